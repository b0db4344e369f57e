import type { ClusterEvent, Member } from "@grapevine/cluster";
import type { EventKind } from "./event-log.js";

/** A member as the HTTP API shows it. */
export interface MemberView {
  readonly name: string;
  readonly status: string;
  readonly addresses: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** SWIM incarnation (a number; exact up to 2^53). */
  readonly incarnation: number;
  readonly generation: number;
  readonly local: boolean;
}

/** A value as the HTTP API shows it: UTF-8 text when it is text, base64 otherwise. */
export interface ValueView {
  readonly value: string;
  /** Present (`base64`) only when the value is not UTF-8 text. */
  readonly encoding?: "base64";
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** JSON-ready view of a member. */
export function memberView(m: Member): MemberView {
  return {
    name: m.name,
    status: m.status,
    addresses: m.addresses,
    tags: m.tags,
    incarnation: Number(m.incarnation),
    generation: m.generation,
    local: m.local,
  };
}

/** JSON-ready view of a value: text, or base64 for bytes that are not UTF-8. */
export function valueView(bytes: Uint8Array): ValueView {
  try {
    return { value: strictUtf8.decode(bytes) };
  } catch {
    return { value: Buffer.from(bytes).toString("base64"), encoding: "base64" };
  }
}

/**
 * JSON-ready view of a cluster event, as `GET /v1/events` streams it and `watch --json` prints it.
 * `time` is wall-clock ISO 8601.
 */
export function eventView(event: ClusterEvent, now = new Date()): Record<string, unknown> {
  const time = now.toISOString();
  switch (event.type) {
    case "key-changed":
      return {
        type: event.type,
        time,
        node: event.owner,
        key: event.key,
        ...(event.newValue === undefined ? { deleted: true } : valueView(event.newValue)),
        version: event.version,
      };
    case "user-message":
      return {
        type: event.type,
        time,
        from: event.from,
        name: event.name,
        payload: Buffer.from(event.payload).toString("base64"),
        ltime: event.ltime,
        ...(event.coalesce === true ? { coalesce: true } : {}),
      };
    case "health-changed":
      return { type: event.type, time, state: event.state, previous: event.previous };
    case "shared-changed":
      return {
        type: event.type,
        time,
        key: event.key,
        ...(event.newValue === undefined ? { deleted: true } : valueView(event.newValue)),
        writer: event.writer,
      };
    default:
      return { type: event.type, time, member: memberView(event.member) };
  }
}

/** Which blocking reads an event wakes: key reads, member reads, or neither. */
export function eventKind(event: ClusterEvent): EventKind {
  if (event.type === "key-changed") return "kv";
  if (event.type.startsWith("member-")) return "members";
  return "other";
}
