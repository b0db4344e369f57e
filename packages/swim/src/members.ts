import type { PushPullMember } from "@grapevine/codec";
import { MEMBER_STATUSES, type MemberStatus, isLive as protocolIsLive } from "@grapevine/protocol";
import { fitting, grownCapacity, grownColumn, type IndexColumn } from "./index-column.js";
import { MemberRegistry, U64_MAX } from "./member-registry.js";
import { sameAddresses, sameMeta } from "./same.js";

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
/** Bits of a member's flags that hold its status (see {@link MemberTable.status}). */
const STATUS_BITS = 0b1100;
const STATUS_SHIFT = 2;
/** Bit in a member's flags: the member is assigned to a scheme group (see SchemeGroups). */
export const GROUPED = 16;

const STATUSES: readonly MemberStatus[] = MEMBER_STATUSES;
const STATUS_CODE: Readonly<Record<MemberStatus, number>> = {
  alive: 0,
  suspect: 1,
  dead: 2,
  left: 3,
};
const NO_ADDRESSES: readonly string[] = Object.freeze([]);
const NO_META = new Uint8Array(0);

/**
 * The membership list as columns: one slot (a small integer) per member, its fields in parallel
 * typed arrays. What a member says about itself (name, incarnation, generation, addresses,
 * metadata) is an immutable record of a {@link MemberRegistry}, which tables may share: a slot
 * holds the id of the record it believes and a reference to it. What is this node's own view
 * (status, when it last changed, the probe walk and group bookkeeping) stays in the table.
 *
 * An entry costs about 11 bytes in the table (record id, status and flags, group position, and
 * a name-indexed slot column, 2 bytes each while ids fit in 16 bits, see {@link IndexColumn};
 * the change time only once times differ), outside the garbage-collected heap; with a registry
 * of its own a table also pays for the records (~50 bytes each plus the address list). A
 * simulator whose 10,000 nodes share one registry pays for each member's record once.
 *
 * Names are found through the registry (one seeded hash lookup) and a column indexed by the
 * registry's name id, so a table's columns indexed by name id are as long as the registry's name
 * space: share a registry only among tables that hold mostly the same members.
 *
 * Slots of forgotten members are reused, but only once {@link release} is called for them (the
 * probe walk may still hold the slot until its next compaction).
 */
export class MemberTable {
  /** Where this table's records live (possibly shared with other tables). */
  readonly registry: MemberRegistry;
  private capacity = 0;
  /** Slots ever handed out: [0, end). */
  private end = 0;
  private count = 0;
  private readonly free: number[] = [];
  /** Record id + 1 per slot, 0 when the slot holds no member (fresh columns need no filling). */
  private records: IndexColumn = new Uint16Array(0);
  /**
   * When each member's status last changed, ms; `null` while every member held has the same time
   * ({@link commonChangedAt}): a table seeded with a converged membership at one instant (every
   * simulated node at once) needs no such column until a status changes.
   */
  private changedAt: Float64Array | null = null;
  private commonChangedAt = Number.NaN;
  /** {@link IN_PROBE_ORDER} | {@link FORGOTTEN} | {@link GROUPED} | the status, per slot. */
  flags = new Uint8Array(0);
  /** Position + 1 in the group's live or dead list, 0 when not listed (see SchemeGroups). */
  private groupPositions: IndexColumn = new Uint16Array(0);
  /** Slot + 1 per registry name id, 0 when this table does not hold the name. */
  private slotOf: IndexColumn = new Uint16Array(0);

  /**
   * @param seed mixed into the name hash of the table's own registry, so colliding names cannot
   *   be prepared in advance (ignored when `registry` is given: the registry has its own).
   * @param registry where records live; by default one of the table's own.
   */
  constructor(seed = 0, registry: MemberRegistry = new MemberRegistry(seed)) {
    this.registry = registry;
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
    this.registry.reserve(members);
  }

  /** The slot of `name`, or −1 when it is not held. */
  find(name: string): number {
    const id = this.registry.nameId(name);
    return id < 0 || id >= this.slotOf.length ? -1 : this.slotOf[id]! - 1;
  }

  /** Whether `slot` holds a member. */
  has(slot: number): boolean {
    return this.records[slot]! > 0;
  }

  /**
   * Add a member that is not held yet; returns its slot.
   * @throws RangeError for an incarnation outside uint64 (nothing is added).
   */
  add(
    name: string,
    incarnation: bigint,
    generation: number,
    status: MemberStatus,
    addresses: readonly string[],
    meta: Uint8Array,
    changedAt: number,
  ): number {
    const record = this.registry.intern(name, incarnation, generation, addresses, meta);
    return this.place(record, STATUS_CODE[status], changedAt);
  }

  /** Put `record` (already retained) into a free slot. */
  private place(record: number, statusCode: number, changedAt: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.end === this.capacity) this.grow(grownCapacity(this.capacity));
      slot = this.end++;
    }
    this.records = fitting(this.records, record + 1);
    this.records[slot] = record + 1;
    this.setStateChangedAt(slot, changedAt);
    this.flags[slot] = statusCode << STATUS_SHIFT;
    this.groupPositions[slot] = 0;
    this.setSlotOf(this.registry.nameIdOf(record), slot);
    this.count += 1;
    return slot;
  }

  /**
   * Add `name` as an alive member unless it is held already (one name lookup for both): its new
   * slot, or −1 when it was held.
   * @throws RangeError for an incarnation outside uint64 (nothing is added).
   */
  addAlive(
    name: string,
    incarnation: bigint,
    generation: number,
    addresses: readonly string[],
    meta: Uint8Array,
    changedAt: number,
  ): number {
    const registry = this.registry;
    const id = registry.nameId(name);
    if (id >= 0 && id < this.slotOf.length && this.slotOf[id]! > 0) return -1;
    const record =
      id < 0
        ? registry.intern(name, incarnation, generation, addresses, meta)
        : registry.internName(id, incarnation, generation, addresses, meta);
    return this.place(record, 0, changedAt);
  }

  /**
   * Add the member of `record` (a record of this table's registry) alive at `changedAt`, unless
   * its name is held already: its new slot (the record retained once more), or −1.
   */
  addRecord(record: number, changedAt: number): number {
    const id = this.registry.nameIdOf(record);
    if (id < this.slotOf.length && this.slotOf[id]! > 0) return -1;
    this.registry.retain(record);
    return this.place(record, 0, changedAt);
  }

  /**
   * {@link addRecord} for each of `records` in order, alive at `changedAt`, when no slot is free
   * (else nothing is added and −1 returned): the members go into consecutive fresh slots from
   * {@link slotEnd}, names held already are skipped. Returns how many were added. Seeding's bulk
   * path (`PreparedMembers`) lists and walks that run of slots in one go.
   */
  appendRecords(records: Int32Array, changedAt: number): number {
    if (this.free.length > 0) return -1;
    const start = this.end;
    for (let i = 0; i < records.length; i++) this.addRecord(records[i]!, changedAt);
    return this.end - start;
  }

  /**
   * Forget the member in `slot`: its name no longer resolves and it is marked {@link FORGOTTEN}.
   * The slot is reused only after {@link release}.
   */
  forget(slot: number): void {
    const record = this.records[slot]! - 1;
    if (record < 0) return;
    this.slotOf[this.registry.nameIdOf(record)] = 0;
    this.records[slot] = 0;
    this.registry.release(record);
    this.flags[slot] = (this.flags[slot]! & (IN_PROBE_ORDER | STATUS_BITS)) | FORGOTTEN;
    this.groupPositions[slot] = 0;
    this.count -= 1;
  }

  /** Hand a forgotten slot back for reuse (nothing refers to it any more). */
  release(slot: number): void {
    if (this.records[slot]! > 0 || (this.flags[slot]! & FORGOTTEN) === 0) return;
    this.flags[slot] = 0;
    this.free.push(slot);
  }

  /**
   * Drop every member and hand every record reference back to the registry: for a table that is
   * discarded while a registry it shares lives on. The table is empty afterwards.
   */
  releaseAll(): void {
    for (let slot = 0; slot < this.end; slot++) {
      const record = this.records[slot]! - 1;
      if (record >= 0) this.registry.release(record);
    }
    this.capacity = 0;
    this.end = 0;
    this.count = 0;
    this.free.length = 0;
    this.records = new Uint16Array(0);
    this.changedAt = null;
    this.commonChangedAt = Number.NaN;
    this.flags = new Uint8Array(0);
    this.groupPositions = new Uint16Array(0);
    this.slotOf = new Uint16Array(0);
  }

  name(slot: number): string {
    const record = this.records[slot]! - 1;
    return record < 0 ? "" : this.registry.nameOf(record);
  }

  status(slot: number): MemberStatus {
    return STATUSES[(this.flags[slot]! & STATUS_BITS) >> STATUS_SHIFT]!;
  }

  setStatus(slot: number, status: MemberStatus): void {
    this.flags[slot] = (this.flags[slot]! & ~STATUS_BITS) | (STATUS_CODE[status] << STATUS_SHIFT);
  }

  incarnation(slot: number): bigint {
    const record = this.records[slot]! - 1;
    return record < 0 ? 0n : this.registry.incarnation(record);
  }

  /** @throws RangeError beyond 2⁶⁴ − 1 (the wire's limit; nothing changes). */
  setIncarnation(slot: number, incarnation: bigint): void {
    if (incarnation < 0n || incarnation > U64_MAX) {
      throw new RangeError(`incarnation ${incarnation} is outside uint64`);
    }
    const record = this.records[slot]! - 1;
    if (record < 0 || this.registry.incarnation(record) === incarnation) return;
    this.move(slot, this.registry.withIncarnation(record, incarnation));
  }

  generation(slot: number): number {
    const record = this.records[slot]! - 1;
    return record < 0 ? 0 : this.registry.generation(record);
  }

  setGeneration(slot: number, generation: number): void {
    const record = this.records[slot]! - 1;
    if (record < 0 || this.registry.generation(record) === generation) return;
    this.move(slot, this.registry.withGeneration(record, generation));
  }

  /** The member's address URLs (a frozen array). */
  addresses(slot: number): readonly string[] {
    const record = this.records[slot]! - 1;
    return record < 0 ? NO_ADDRESSES : this.registry.addresses(record);
  }

  /** Replace the member's addresses (a copy is kept, not `addresses` itself). */
  setAddresses(slot: number, addresses: readonly string[]): void {
    const record = this.records[slot]! - 1;
    if (record < 0 || sameAddresses(this.registry.addresses(record), addresses)) return;
    this.move(slot, this.registry.withAddresses(record, addresses));
  }

  /** The member's metadata, shared with other tables: read it, never write to it. */
  meta(slot: number): Uint8Array {
    const record = this.records[slot]! - 1;
    return record < 0 ? NO_META : this.registry.meta(record);
  }

  /** Replace the member's metadata (a copy is kept, not `meta` itself). */
  setMeta(slot: number, meta: Uint8Array): void {
    const record = this.records[slot]! - 1;
    if (record < 0 || sameMeta(this.registry.meta(record), meta)) return;
    this.move(slot, this.registry.withMeta(record, meta));
  }

  /** When this node last saw the member's status change, ms. */
  stateChangedAt(slot: number): number {
    return this.changedAt === null ? this.commonChangedAt : this.changedAt[slot]!;
  }

  setStateChangedAt(slot: number, at: number): void {
    if (this.changedAt === null) {
      if (this.count === 0 || Object.is(at, this.commonChangedAt)) {
        this.commonChangedAt = at;
        return;
      }
      // The first time that differs from the others: from now on, one per member.
      this.changedAt = this.float64(this.capacity).fill(this.commonChangedAt);
    }
    this.changedAt[slot] = at;
  }

  /** The member's position in its scheme group's live or dead list, −1 when not listed. */
  groupPosition(slot: number): number {
    return this.groupPositions[slot]! - 1;
  }

  /** Set the member's position in its scheme group's list (−1: not listed). */
  setGroupPosition(slot: number, position: number): void {
    this.groupPositions = fitting(this.groupPositions, position + 1);
    this.groupPositions[slot] = position + 1;
  }

  /** A copy of the member in `slot`, safe to hand out. */
  view(slot: number): MemberView {
    return {
      name: this.name(slot),
      status: this.status(slot),
      incarnation: this.incarnation(slot),
      generation: this.generation(slot),
      addresses: this.addresses(slot),
      meta: copyOf(this.meta(slot)),
      stateChangedAt: this.stateChangedAt(slot),
    };
  }

  /** The member in `slot` as an entry of a push-pull exchange (its own copy of the metadata). */
  toPushPull(slot: number): PushPullMember {
    return {
      name: this.name(slot),
      incarnation: this.incarnation(slot),
      generation: this.generation(slot),
      status: this.status(slot),
      addresses: this.addresses(slot),
      meta: copyOf(this.meta(slot)),
    };
  }

  /** Point `slot` at `next` (already retained) and let go of its previous record. */
  private move(slot: number, next: number): void {
    const previous = this.records[slot]! - 1;
    this.records = fitting(this.records, next + 1);
    this.records[slot] = next + 1;
    this.registry.release(previous);
  }

  private setSlotOf(nameId: number, slot: number): void {
    if (nameId >= this.slotOf.length) {
      // The registry's name space, not this table's size: ids come from the registry.
      const length = Math.max(nameId + 1, this.registry.nameIdEnd);
      this.slotOf = grownColumn(this.slotOf, length, this.narrowColumn);
    }
    this.slotOf = fitting(this.slotOf, slot + 1);
    this.slotOf[nameId] = slot + 1;
  }

  /**
   * A zeroed narrow column (see {@link IndexColumn}), from the registry's arena if it has one:
   * for this table's columns and the lists of members built over it.
   */
  readonly narrowColumn = (length: number): Uint16Array<ArrayBuffer> =>
    this.registry.arena?.uint16(length) ?? new Uint16Array(length);

  private float64(length: number): Float64Array<ArrayBuffer> {
    return this.registry.arena?.float64(length) ?? new Float64Array(length);
  }

  private grow(capacity: number): void {
    this.records = grownColumn(this.records, capacity, this.narrowColumn);
    if (this.changedAt !== null) {
      this.changedAt = grown(this.changedAt, this.float64(capacity));
    }
    this.flags = grown(
      this.flags,
      this.registry.arena?.uint8(capacity) ?? new Uint8Array(capacity),
    );
    this.groupPositions = grownColumn(this.groupPositions, capacity, this.narrowColumn);
    this.capacity = capacity;
  }
}

function grown<T extends { set(source: T): void }>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

/** Metadata to hand out: a copy, so that nobody can write to bytes a registry shares. */
function copyOf(meta: Uint8Array): Uint8Array {
  return meta.length === 0 ? NO_META : meta.slice();
}

export { SlotList } from "./slot-list.js";
export { sameAddresses, sameMeta };
