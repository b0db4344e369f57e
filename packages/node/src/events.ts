import { decodeUtf8, encodeUtf8 } from "@grapevine/codec";
import {
  memberEventType as eventOfChange,
  MEMBER_CHANGE_TYPES,
  type MemberChangeType,
} from "@grapevine/protocol";
import type { MemberView } from "@grapevine/swim";
import type { HealthState } from "./isolation.js";

/**
 * A member as the local node sees it: the failure detector's view (name, status, incarnation,
 * generation, addresses, metadata) with the metadata decoded as tags.
 */
export interface Member extends Omit<MemberView, "stateChangedAt"> {
  /** Metadata decoded as string tags (empty when the metadata is not a tag map). */
  readonly tags: Readonly<Record<string, string>>;
  /** True for the local node. */
  readonly local: boolean;
}

/** Membership events, named after the status the member entered. */
export type MemberEventType =
  | "member-joined"
  | "member-updated"
  | "member-suspect"
  | "member-alive"
  | "member-dead"
  | "member-left";

/** A change of one member's status, address or metadata. */
export interface MemberEvent {
  readonly type: MemberEventType;
  readonly member: Member;
  /** Clock time of the change, ms. */
  readonly at: number;
}

/** A key of some member's state changed (set, replaced or deleted). */
export interface KeyChangedEvent {
  readonly type: "key-changed";
  readonly owner: string;
  readonly key: string;
  /** Previous value, `undefined` when the key was new. */
  readonly oldValue: Uint8Array | undefined;
  /** New value, `undefined` when the key was deleted. */
  readonly newValue: Uint8Array | undefined;
  readonly version: number;
  readonly at: number;
}

/** An application message broadcast by some member. */
export interface UserMessageEvent {
  readonly type: "user-message";
  readonly from: string;
  readonly name: string;
  readonly payload: Uint8Array;
  readonly at: number;
  /** The sender's event time (a Lamport clock): a later time was sent later. 0 from older nodes. */
  readonly ltime: number;
  /** The sender allows receivers to coalesce it (keep only the newest of a burst of this name). */
  readonly coalesce?: boolean;
}

/**
 * This node's judgement of its own situation changed (see `HealthState`): `isolated` when it
 * knows other members but has heard no answer from any of them for the isolation window, while
 * its probes of at least two of them (or of the only one) ended in silence.
 */
export interface HealthChangedEvent {
  readonly type: "health-changed";
  readonly state: HealthState;
  readonly previous: HealthState;
  readonly at: number;
}

/** A cluster-scoped key changed here (a local write, or a peer's that won). */
export interface SharedChangedEvent {
  readonly type: "shared-changed";
  readonly key: string;
  /** Previous value, `undefined` when the key was absent. */
  readonly oldValue: Uint8Array | undefined;
  /** New value, `undefined` when the key was deleted. */
  readonly newValue: Uint8Array | undefined;
  /** The node whose write this is. */
  readonly writer: string;
  readonly at: number;
}

/** Every event a cluster emits. */
export type ClusterEvent =
  | MemberEvent
  | KeyChangedEvent
  | UserMessageEvent
  | HealthChangedEvent
  | SharedChangedEvent;

/** Encodes string tags as member metadata (UTF-8 JSON object, keys sorted). */
export function encodeTags(tags: Readonly<Record<string, string>>): Uint8Array {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(tags).sort()) sorted[k] = String(tags[k]);
  return encodeUtf8(JSON.stringify(sorted));
}

/** Decodes member metadata written by {@link encodeTags}; anything else decodes as `{}`. */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  if (meta.length === 0 || meta[0] !== 0x7b) return {};
  try {
    const text = decodeUtf8(meta);
    if (text === undefined) return {};
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") out[k] = v;
    return out;
  } catch {
    return {};
  }
}

const MEMBER_CHANGES: ReadonlySet<string> = new Set(MEMBER_CHANGE_TYPES);

/**
 * The application event named after a membership change of the failure detector
 * (`@grapevine/protocol`'s mapping); `undefined` for a type that is not a membership change.
 */
export function memberEventType(swimType: string): MemberEventType | undefined {
  return MEMBER_CHANGES.has(swimType) ? eventOfChange(swimType as MemberChangeType) : undefined;
}

/** A failure detector's member view as the application sees it (`self`: our own name). */
export function toMember(view: MemberView, self: string): Member {
  return {
    name: view.name,
    status: view.status,
    incarnation: view.incarnation,
    generation: view.generation,
    addresses: view.addresses,
    meta: view.meta,
    tags: decodeTags(view.meta),
    local: view.name === self,
  };
}
