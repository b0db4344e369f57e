/**
 * Field numbers of `proto/grapevine.proto` that the hand-written encoder and decoder use. The
 * schema test checks every number here against the `.proto` (through the generated code), so the
 * two cannot drift apart.
 */
import type { MemberStatus } from "@grapevine/protocol";
import type { MessageType } from "./messages.js";

/** Envelope field numbers (`grapevine.v1.Envelope`). */
export const ENVELOPE_FIELD = Object.freeze({ version: 1, label: 2, messages: 3 } as const);

/**
 * Field number of each message kind in the `kind` oneof of `grapevine.v1.Message`. All are at
 * most 15, so every kind's tag is one byte.
 */
export const MESSAGE_KIND: Readonly<Record<MessageType, number>> = Object.freeze({
  ping: 1,
  "ping-req": 2,
  ack: 3,
  nack: 4,
  alive: 5,
  suspect: 6,
  dead: 7,
  "state-syn": 8,
  "state-syn-ack": 9,
  "state-ack": 10,
  "state-delta": 11,
  "push-pull": 12,
  user: 13,
});

/** Wire value of each {@link MemberStatus} (`grapevine.v1.MemberStatus`); 0 is unset. */
export const MEMBER_STATUS_VALUE: Readonly<Record<MemberStatus, number>> = Object.freeze({
  alive: 1,
  suspect: 2,
  dead: 3,
  left: 4,
});

/** {@link MEMBER_STATUS_VALUE} inverted: index by wire value. */
export const MEMBER_STATUS_BY_VALUE: readonly (MemberStatus | undefined)[] = Object.freeze([
  undefined,
  "alive",
  "suspect",
  "dead",
  "left",
]);
