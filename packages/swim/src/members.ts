import type { MemberStatus, PushPullMember } from "@grapevine/codec";
import type { SchemeGroup } from "./scheme-groups.js";

/** A snapshot of one member as this node sees it (SWIM §4.2). */
export interface MemberView {
  readonly name: string;
  readonly status: MemberStatus;
  /** Raised by the member itself to refute suspicion or announce a change. */
  readonly incarnation: bigint;
  /** Restart counter of the member's process: a higher one is a new life of the same name. */
  readonly generation: number;
  /** Advertised address URLs, in the member's order of preference. */
  readonly addresses: readonly string[];
  /** Opaque application metadata. */
  readonly meta: Uint8Array;
  /** When this node last saw the member's status change, ms. */
  readonly stateChangedAt: number;
}

/** Alive or suspect: still a member, still probed. */
export function isLive(status: MemberStatus): boolean {
  return status === "alive" || status === "suspect";
}

/** Bit in {@link Member.flags}: the member is in the probe walk. */
export const IN_PROBE_ORDER = 1;
/** Bit in {@link Member.flags}: the member has been forgotten (reaped or replaced). */
export const FORGOTTEN = 2;

/**
 * One entry of the membership list. Kept deliberately small (a simulator holds 10,000 lists of
 * 10,000 members): the advertised addresses and metadata are shared with the message they came
 * from, and per-suspicion and per-timer state lives elsewhere, only while it is needed.
 */
export class Member {
  readonly name: string;
  incarnation: bigint;
  generation: number;
  status: MemberStatus;
  addresses: readonly string[];
  meta: Uint8Array;
  /** ms. */
  stateChangedAt: number;
  /** Transport signature group, set while the member is listed for random sampling. */
  group: SchemeGroup | undefined = undefined;
  /** Index in the group's live or dead array; -1 when not listed. */
  slot = -1;
  /** {@link IN_PROBE_ORDER} | {@link FORGOTTEN}. */
  flags = 0;

  constructor(
    name: string,
    incarnation: bigint,
    generation: number,
    status: MemberStatus,
    addresses: readonly string[],
    meta: Uint8Array,
    stateChangedAt: number,
  ) {
    this.name = name;
    this.incarnation = incarnation;
    this.generation = generation;
    this.status = status;
    this.addresses = addresses;
    this.meta = meta;
    this.stateChangedAt = stateChangedAt;
  }

  /** A copy safe to hand out. */
  view(): MemberView {
    return {
      name: this.name,
      status: this.status,
      incarnation: this.incarnation,
      generation: this.generation,
      addresses: this.addresses,
      meta: this.meta,
      stateChangedAt: this.stateChangedAt,
    };
  }

  /** This member's entry for a push-pull exchange. */
  toPushPull(): PushPullMember {
    return {
      name: this.name,
      incarnation: this.incarnation,
      generation: this.generation,
      status: this.status,
      addresses: this.addresses,
      meta: this.meta,
    };
  }
}

/** Whether two address lists are the same, in the same order. */
export function sameAddresses(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two metadata blobs hold the same bytes. */
export function sameMeta(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
