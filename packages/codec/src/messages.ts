/**
 * The protocol's messages as plain data. Every layer above the codec (swim, state, cluster)
 * speaks these types; only the codec knows how they look on the wire.
 *
 * Integer conventions:
 * - `incarnation` is a `bigint` covering the full uint64 range (SWIM §4.2: a member raises it to
 *   refute suspicion, so it must never wrap).
 * - `seq`, `generation`, `version`, `heartbeat` are `number`s: uint64 on the wire, but the codec
 *   rejects values above `Number.MAX_SAFE_INTEGER` as `malformed` rather than lose precision.
 */

import type { MemberStatus as ProtocolMemberStatus } from "@grapevine/protocol";

/** Format version written into every packet envelope. Bumped only on incompatible changes. */
export const WIRE_VERSION = 1;

/**
 * Membership status as seen by one node (SWIM §4.2; `left` is a graceful leave).
 * @deprecated Import `MemberStatus` from `@grapevine/protocol`.
 */
export type MemberStatus = ProtocolMemberStatus;

/** Direct probe (SWIM §3). `target` names the member the sender means to reach. */
export interface Ping {
  readonly type: "ping";
  /** Sequence number echoed by the ack; uint32. */
  readonly seq: number;
  /** Name of the member this probe is for; a receiver with another name answers nothing. */
  readonly target: string;
  /** Name of the prober. */
  readonly source: string;
  /** Addresses (URLs) of the prober, so that an unknown prober can be answered. */
  readonly sourceAddresses: readonly string[];
}

/** Indirect probe request (SWIM §3.1 `ping-req`): "please probe `target` for me". */
export interface PingReq {
  readonly type: "ping-req";
  readonly seq: number;
  readonly target: string;
  readonly targetAddresses: readonly string[];
  readonly source: string;
  readonly sourceAddresses: readonly string[];
  /** Lifeguard §3.1: the requester wants a nack if the relayed probe times out. */
  readonly wantNack: boolean;
}

/** Answer to a ping (or a relayed answer for a ping-req). */
export interface Ack {
  readonly type: "ack";
  readonly seq: number;
  /** Name of the member that was probed. */
  readonly source: string;
  /** Optional application payload (e.g. for RTT coordinates later); may be empty. */
  readonly payload: Uint8Array;
}

/** Lifeguard §3.1: an intermediary tells the requester its relayed probe got no ack. */
export interface Nack {
  readonly type: "nack";
  readonly seq: number;
  readonly source: string;
}

/** A member is alive at `incarnation` (also carries what it advertises). */
export interface Alive {
  readonly type: "alive";
  readonly name: string;
  readonly incarnation: bigint;
  /** Restart counter of the member's process: a new generation replaces the old identity. */
  readonly generation: number;
  readonly addresses: readonly string[];
  /** Opaque application metadata (tags), bounded by the codec limits. */
  readonly meta: Uint8Array;
}

/** `from` suspects `name` at `incarnation` (SWIM §4.2). */
export interface Suspect {
  readonly type: "suspect";
  readonly name: string;
  readonly incarnation: bigint;
  readonly from: string;
}

/** `from` declares `name` dead at `incarnation`. `from === name` means a graceful leave. */
export interface Dead {
  readonly type: "dead";
  readonly name: string;
  readonly incarnation: bigint;
  readonly from: string;
}

/** One owner's position in a scuttlebutt digest: what the sender holds of that owner. */
export interface DigestEntry {
  readonly owner: string;
  readonly generation: number;
  /** Highest version of `owner` the sender has applied (0: nothing). */
  readonly maxVersion: number;
}

/** One key's value as carried in a delta. */
export interface DeltaEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly version: number;
  /** A deleted key: `value` is empty and the entry is kept until its grace period ends. */
  readonly tombstone: boolean;
}

/**
 * What one owner's replica needs: the entries with `fromVersion < version`, in increasing version
 * order, so that a delta cut short is still a valid prefix.
 */
export interface OwnerDelta {
  readonly owner: string;
  readonly generation: number;
  /** Entries are those after this version (exclusive). */
  readonly fromVersion: number;
  /**
   * The receiver must drop what it holds of `owner` before applying (tombstones it may have
   * missed were already collected, or the generation changed).
   */
  readonly reset: boolean;
  /** Owner's heartbeat counter (liveness of its state). */
  readonly heartbeat: number;
  /**
   * Highest version the owner had when this delta was cut. When `entries` reach it the receiver
   * is fully up to date even if some versions in between were collected tombstones.
   */
  readonly maxVersion: number;
  readonly entries: readonly DeltaEntry[];
}

/** Scuttlebutt round 1: "here is what I hold". `complete` is false when the digest was cut. */
export interface StateSyn {
  readonly type: "state-syn";
  readonly digest: readonly DigestEntry[];
  readonly complete: boolean;
}

/** Scuttlebutt round 2: "here is what you lack, and what I hold". */
export interface StateSynAck {
  readonly type: "state-syn-ack";
  readonly digest: readonly DigestEntry[];
  readonly complete: boolean;
  readonly delta: readonly OwnerDelta[];
}

/** Scuttlebutt round 3: "here is what you lack". */
export interface StateAck {
  readonly type: "state-ack";
  readonly delta: readonly OwnerDelta[];
}

/** Infection-style state update piggy-backed on other traffic. */
export interface StateDelta {
  readonly type: "state-delta";
  readonly delta: readonly OwnerDelta[];
}

/** A member's full entry in a push-pull exchange. */
export interface PushPullMember {
  readonly name: string;
  readonly incarnation: bigint;
  readonly generation: number;
  readonly status: ProtocolMemberStatus;
  readonly addresses: readonly string[];
  readonly meta: Uint8Array;
}

/** Full state exchange over the stream channel: join bootstrap and partition healing. */
export interface PushPull {
  readonly type: "push-pull";
  /** The sender is joining: the receiver answers with its own push-pull. */
  readonly join: boolean;
  /** True for the answer half of an exchange (no answer is owed). */
  readonly reply: boolean;
  readonly source: string;
  readonly members: readonly PushPullMember[];
  readonly delta: readonly OwnerDelta[];
}

/** Application-defined message, broadcast by the user. */
export interface UserMessage {
  readonly type: "user";
  readonly from: string;
  readonly name: string;
  readonly payload: Uint8Array;
}

/** Every message the protocol sends. */
export type Message =
  | Ping
  | PingReq
  | Ack
  | Nack
  | Alive
  | Suspect
  | Dead
  | StateSyn
  | StateSynAck
  | StateAck
  | StateDelta
  | PushPull
  | UserMessage;

/** The `type` tag of every message. */
export type MessageType = Message["type"];

/** A decoded packet: its wire version, optional cluster label and messages. */
export interface Envelope {
  readonly version: number;
  readonly label: string;
  readonly messages: readonly Message[];
}
