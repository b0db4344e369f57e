import type { PushPullMember } from "@grapevine/codec";
import { MEMBER_STATUSES, type MemberStatus, isLive as protocolIsLive } from "@grapevine/protocol";

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

/**
 * Alive or suspect: still a member, still probed.
 * @deprecated Import `isLive` from `@grapevine/protocol`.
 */
export const isLive: (status: MemberStatus) => boolean = protocolIsLive;

/** Bit in a member's flags: the member is in the probe walk. */
export const IN_PROBE_ORDER = 1;
/** Bit in a member's flags: the member has been forgotten (its slot awaits reuse). */
export const FORGOTTEN = 2;

const STATUSES: readonly MemberStatus[] = MEMBER_STATUSES;
const STATUS_CODE: Readonly<Record<MemberStatus, number>> = {
  alive: 0,
  suspect: 1,
  dead: 2,
  left: 3,
};
const U64_MAX = 2n ** 64n - 1n;
const NO_ADDRESSES: readonly string[] = Object.freeze([]);
const NO_META = new Uint8Array(0);
/** Growth factor of the columns: modest, so a full table wastes at most a third. */
const GROWTH = 1.5;

/**
 * The membership list as columns: one slot (a small integer) per member, its fields in parallel
 * typed arrays, and names found through an open-addressing hash index. A simulator holds 10,000
 * lists of 10,000 members, so an entry costs about 70 bytes instead of an object, a Map entry and
 * a boxed incarnation (~170 bytes); the typed columns also live outside the garbage-collected heap.
 *
 * Slots of forgotten members are reused, but only once {@link release} is called for them (the
 * probe walk may still hold the slot until its next compaction). Address lists and metadata are
 * shared with the message they came from, never copied.
 */
export class MemberTable {
  private capacity = 0;
  /** Slots ever handed out: [0, end). */
  private end = 0;
  private count = 0;
  private readonly free: number[] = [];
  private readonly seed: number;
  private names: (string | undefined)[] = [];
  private addressLists: (readonly string[])[] = [];
  private metas: Uint8Array[] = [];
  private incarnations = new BigUint64Array(0);
  private generations = new Float64Array(0);
  private changedAt = new Float64Array(0);
  private statuses = new Uint8Array(0);
  /** {@link IN_PROBE_ORDER} | {@link FORGOTTEN}, per slot. */
  flags = new Uint8Array(0);
  /** Scheme group id per slot, −1 when not listed in one (see SchemeGroups). */
  groupIds = new Int32Array(0);
  /** Position in the group's live or dead list, −1 when not listed. */
  groupSlots = new Int32Array(0);
  /** Open-addressing index: slot + 1, 0 for an empty cell; at most half full. */
  private index = new Int32Array(16);
  private mask = 15;

  /** @param seed mixed into the name hash, so colliding names cannot be prepared in advance. */
  constructor(seed = 0) {
    this.seed = seed | 0;
  }

  /** Members held (forgotten ones excluded). */
  get size(): number {
    return this.count;
  }

  /** One past the highest slot ever used: iterate [0, end) and skip {@link has} false. */
  get slotEnd(): number {
    return this.end;
  }

  /** Make room for `members` entries without further growth. */
  reserve(members: number): void {
    if (members > this.capacity) this.grow(members);
    let cells = this.index.length;
    while (cells < 2 * members) cells *= 2;
    if (cells !== this.index.length) this.rehash(cells);
  }

  /** The slot of `name`, or −1 when it is not held. */
  find(name: string): number {
    const names = this.names;
    const index = this.index;
    const mask = this.mask;
    for (let i = this.hash(name) & mask; ; i = (i + 1) & mask) {
      const cell = index[i]!;
      if (cell === 0) return -1;
      if (names[cell - 1] === name) return cell - 1;
    }
  }

  /** Whether `slot` holds a member. */
  has(slot: number): boolean {
    return this.names[slot] !== undefined;
  }

  /** Add a member that is not held yet; returns its slot. */
  add(
    name: string,
    incarnation: bigint,
    generation: number,
    status: MemberStatus,
    addresses: readonly string[],
    meta: Uint8Array,
    changedAt: number,
  ): number {
    if (2 * (this.count + 1) > this.index.length) this.rehash(this.index.length * 2);
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.end === this.capacity) this.grow(Math.max(8, Math.ceil(this.capacity * GROWTH)));
      slot = this.end++;
    }
    this.names[slot] = name;
    this.addressLists[slot] = addresses;
    this.metas[slot] = meta;
    this.setIncarnation(slot, incarnation);
    this.generations[slot] = generation;
    this.changedAt[slot] = changedAt;
    this.statuses[slot] = STATUS_CODE[status];
    this.flags[slot] = 0;
    this.groupIds[slot] = -1;
    this.groupSlots[slot] = -1;
    this.insertCell(slot, name);
    this.count += 1;
    return slot;
  }

  /**
   * Forget the member in `slot`: its name no longer resolves and it is marked {@link FORGOTTEN}.
   * The slot is reused only after {@link release}.
   */
  forget(slot: number): void {
    const name = this.names[slot];
    if (name === undefined) return;
    this.removeCell(slot, name);
    this.names[slot] = undefined;
    this.addressLists[slot] = NO_ADDRESSES;
    this.metas[slot] = NO_META;
    this.flags[slot] = (this.flags[slot]! & IN_PROBE_ORDER) | FORGOTTEN;
    this.groupIds[slot] = -1;
    this.groupSlots[slot] = -1;
    this.count -= 1;
  }

  /** Hand a forgotten slot back for reuse (nothing refers to it any more). */
  release(slot: number): void {
    if (this.names[slot] !== undefined || (this.flags[slot]! & FORGOTTEN) === 0) return;
    this.flags[slot] = 0;
    this.free.push(slot);
  }

  name(slot: number): string {
    return this.names[slot] ?? "";
  }

  status(slot: number): MemberStatus {
    return STATUSES[this.statuses[slot]!]!;
  }

  setStatus(slot: number, status: MemberStatus): void {
    this.statuses[slot] = STATUS_CODE[status];
  }

  incarnation(slot: number): bigint {
    return this.incarnations[slot]!;
  }

  /** @throws RangeError beyond 2⁶⁴ − 1 (the wire's limit; a column would wrap silently). */
  setIncarnation(slot: number, incarnation: bigint): void {
    if (incarnation < 0n || incarnation > U64_MAX) {
      throw new RangeError(`incarnation ${incarnation} is outside uint64`);
    }
    this.incarnations[slot] = incarnation;
  }

  generation(slot: number): number {
    return this.generations[slot]!;
  }

  setGeneration(slot: number, generation: number): void {
    this.generations[slot] = generation;
  }

  addresses(slot: number): readonly string[] {
    return this.addressLists[slot] ?? NO_ADDRESSES;
  }

  setAddresses(slot: number, addresses: readonly string[]): void {
    this.addressLists[slot] = addresses;
  }

  meta(slot: number): Uint8Array {
    return this.metas[slot] ?? NO_META;
  }

  setMeta(slot: number, meta: Uint8Array): void {
    this.metas[slot] = meta;
  }

  /** When this node last saw the member's status change, ms. */
  stateChangedAt(slot: number): number {
    return this.changedAt[slot]!;
  }

  setStateChangedAt(slot: number, at: number): void {
    this.changedAt[slot] = at;
  }

  /** A copy of the member in `slot`, safe to hand out. */
  view(slot: number): MemberView {
    return {
      name: this.name(slot),
      status: this.status(slot),
      incarnation: this.incarnation(slot),
      generation: this.generation(slot),
      addresses: this.addresses(slot),
      meta: this.meta(slot),
      stateChangedAt: this.stateChangedAt(slot),
    };
  }

  /** The member in `slot` as an entry of a push-pull exchange. */
  toPushPull(slot: number): PushPullMember {
    return {
      name: this.name(slot),
      incarnation: this.incarnation(slot),
      generation: this.generation(slot),
      status: this.status(slot),
      addresses: this.addresses(slot),
      meta: this.meta(slot),
    };
  }

  private hash(name: string): number {
    // FNV-1a over UTF-16 code units, seeded, with a final avalanche (murmur3's fmix32).
    let h = 0x811c9dc5 ^ this.seed;
    for (let i = 0; i < name.length; i++) {
      h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  private insertCell(slot: number, name: string): void {
    const index = this.index;
    const mask = this.mask;
    let i = this.hash(name) & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = slot + 1;
  }

  /** Linear-probing deletion by backward shift: no tombstones, lookups stay short. */
  private removeCell(slot: number, name: string): void {
    const index = this.index;
    const mask = this.mask;
    let hole = this.hash(name) & mask;
    while (index[hole] !== slot + 1) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; index[j] !== 0; j = (j + 1) & mask) {
      const cell = index[j]!;
      const home = this.hash(this.names[cell - 1]!) & mask;
      // Move the entry at j into the hole unless its home lies cyclically in (hole, j].
      const stays = hole < j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        index[hole] = cell;
        hole = j;
      }
    }
    index[hole] = 0;
  }

  private rehash(cells: number): void {
    this.index = new Int32Array(cells);
    this.mask = cells - 1;
    for (let slot = 0; slot < this.end; slot++) {
      const name = this.names[slot];
      if (name !== undefined) this.insertCell(slot, name);
    }
  }

  private grow(capacity: number): void {
    this.incarnations = grown(this.incarnations, new BigUint64Array(capacity));
    this.generations = grown(this.generations, new Float64Array(capacity));
    this.changedAt = grown(this.changedAt, new Float64Array(capacity));
    this.statuses = grown(this.statuses, new Uint8Array(capacity));
    this.flags = grown(this.flags, new Uint8Array(capacity));
    this.groupIds = grown(this.groupIds, new Int32Array(capacity));
    this.groupSlots = grown(this.groupSlots, new Int32Array(capacity));
    this.capacity = capacity;
  }
}

function grown<T extends { set(source: T): void }>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

/**
 * A growable list of slots in an Int32Array (4 bytes an entry), for the per-group member lists.
 */
export class SlotList {
  private items = new Int32Array(4);
  length = 0;

  /** The slot at `i` (0 ≤ i < length). */
  at(i: number): number {
    return this.items[i]!;
  }

  set(i: number, slot: number): void {
    this.items[i] = slot;
  }

  push(slot: number): void {
    if (this.length === this.items.length) {
      const bigger = new Int32Array(Math.ceil(this.items.length * GROWTH) + 4);
      bigger.set(this.items);
      this.items = bigger;
    }
    this.items[this.length++] = slot;
  }

  /** Remove and return the last slot. */
  pop(): number {
    this.length -= 1;
    return this.items[this.length]!;
  }

  /** A copy as a plain array (tests, diagnostics). */
  toArray(): number[] {
    return Array.from(this.items.subarray(0, this.length));
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
