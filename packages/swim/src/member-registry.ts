import type { ColumnArena } from "./column-arena.js";
import { grownCapacity } from "./index-column.js";
import { sameAddresses, sameMeta } from "./same.js";

/** The largest incarnation the wire carries (uint64): 2⁶⁴ − 1. */
export const U64_MAX = 2n ** 64n - 1n;
const NO_META = new Uint8Array(0);

/**
 * Immutable member records, interned and reference counted, for any number of
 * {@link MemberTable}s to share: a record is what an `alive` message says about a member (name,
 * incarnation, generation, address URLs, metadata), and a table's entry points at the record it
 * currently believes. Tables that believe the same thing about a member share one record, so in a
 * simulator, where 10,000 nodes hold the same 10,000 members, the records cost nothing per node.
 *
 * Safe to share, in production too:
 * - records never change: a table that learns something new about a member moves its entry to
 *   another record (interned by content), so one table's change never shows in another's view;
 *   address lists are frozen copies and metadata is a private copy (views hand out copies);
 * - bounded: a record lives exactly as long as some entry refers to it (each entry holds one
 *   reference, see {@link retain}/{@link release}); a name lives as long as one of its records.
 *   A registry holds at most as many records as the tables sharing it hold entries, plus one per
 *   table while an entry moves. A table that is dropped while its registry lives on must first
 *   release its references (`MemberTable.releaseAll`, `Swim.dispose`);
 * - deterministic: record and name ids depend on the order of calls, but nothing a table does
 *   depends on ids (tables iterate their own slots; names are looked up by value).
 *
 * Sans-IO like the rest of the package: no clocks, no randomness; names are found through an
 * open-addressing index hashed with a seed, so that peers cannot choose names that collide.
 */
export class MemberRegistry {
  private readonly seed: number;
  /** The name last found by {@link nameId}, and its id. */
  private lastName: string | undefined = undefined;
  private lastNameId = -1;
  // ── names ──
  private nameCapacity_ = 0;
  private nameEnd = 0;
  private nameCount = 0;
  private readonly nameFree: number[] = [];
  private nameStrings: (string | undefined)[] = [];
  /** First record of each name, −1 when none. */
  private nameHeads = new Int32Array(0);
  /** Open-addressing index over names: name id + 1, 0 for an empty cell; at most half full. */
  private index = new Int32Array(16);
  private mask = 15;
  // ── records ──
  private recordCapacity = 0;
  private recordEnd = 0;
  private recordCount = 0;
  private readonly recordFree: number[] = [];
  private recordNames = new Int32Array(0);
  /** Next record of the same name, −1 at the end of the list. */
  private recordNext = new Int32Array(0);
  private recordRefs = new Int32Array(0);
  private incarnations = new BigUint64Array(0);
  private generations = new Float64Array(0);
  private addressLists: (readonly string[])[] = [];
  private metas: Uint8Array[] = [];

  /**
   * Where the member tables sharing this registry carve their large columns from, if anywhere
   * (see {@link ColumnArena}: only for tables sized once, as a simulator's are).
   */
  readonly arena: ColumnArena | undefined;

  /**
   * @param seed mixed into the name hash, so colliding names cannot be prepared in advance.
   * @param options `arena`: see {@link arena}.
   */
  constructor(seed = 0, options: { readonly arena?: ColumnArena } = {}) {
    this.seed = seed | 0;
    this.arena = options.arena;
  }

  /** Records alive (referred to by some entry). */
  get size(): number {
    return this.recordCount;
  }

  /** Distinct names with at least one record. */
  get names(): number {
    return this.nameCount;
  }

  /** Every name id is below this (tables size their name-indexed columns by it). */
  get nameIdEnd(): number {
    return this.nameCapacity_;
  }

  /** Make room for `members` names and records without further growth. */
  reserve(members: number): void {
    if (members > this.nameCapacity_) this.growNames(members);
    if (members > this.recordCapacity) this.growRecords(members);
    let cells = this.index.length;
    while (cells < 2 * members) cells *= 2;
    if (cells !== this.index.length) this.rehash(cells);
  }

  /** The id of `name`, or −1 when no record has it. */
  nameId(name: string): number {
    // A member is usually looked up and then added or updated: remember the last name found.
    if (name === this.lastName) return this.lastNameId;
    const strings = this.nameStrings;
    const index = this.index;
    const mask = this.mask;
    for (let i = this.hash(name) & mask; ; i = (i + 1) & mask) {
      const cell = index[i]!;
      if (cell === 0) return -1;
      if (strings[cell - 1] === name) {
        this.lastName = name;
        this.lastNameId = cell - 1;
        return cell - 1;
      }
    }
  }

  /**
   * The record with exactly these fields, created if there is none, with one reference taken for
   * the caller. `addresses` and `meta` are copied when a record is created, never kept.
   * @throws RangeError for an incarnation outside uint64 (the wire's limit).
   */
  intern(
    name: string,
    incarnation: bigint,
    generation: number,
    addresses: readonly string[],
    meta: Uint8Array,
  ): number {
    let id = this.nameId(name);
    if (id < 0) id = this.addName(name);
    return this.internName(id, incarnation, generation, addresses, meta);
  }

  /** `record` with its incarnation replaced (one reference taken; `record` keeps its own). */
  withIncarnation(record: number, incarnation: bigint): number {
    return this.internName(
      this.recordNames[record]!,
      incarnation,
      this.generations[record]!,
      this.addressLists[record]!,
      this.metas[record]!,
    );
  }

  /** `record` with its generation replaced (one reference taken; `record` keeps its own). */
  withGeneration(record: number, generation: number): number {
    return this.internName(
      this.recordNames[record]!,
      this.incarnations[record]!,
      generation,
      this.addressLists[record]!,
      this.metas[record]!,
    );
  }

  /** `record` with its addresses replaced (one reference taken; `record` keeps its own). */
  withAddresses(record: number, addresses: readonly string[]): number {
    return this.internName(
      this.recordNames[record]!,
      this.incarnations[record]!,
      this.generations[record]!,
      addresses,
      this.metas[record]!,
    );
  }

  /** `record` with its metadata replaced (one reference taken; `record` keeps its own). */
  withMeta(record: number, meta: Uint8Array): number {
    return this.internName(
      this.recordNames[record]!,
      this.incarnations[record]!,
      this.generations[record]!,
      this.addressLists[record]!,
      meta,
    );
  }

  /** Take one more reference to `record`. */
  retain(record: number): void {
    this.recordRefs[record]! += 1;
  }

  /** Drop one reference to `record`; the last one frees it (and its name, if it was the last). */
  release(record: number): void {
    const refs = this.recordRefs[record]! - 1;
    this.recordRefs[record] = refs;
    if (refs > 0) return;
    const id = this.recordNames[record]!;
    const next = this.recordNext[record]!;
    if (this.nameHeads[id] === record) {
      this.nameHeads[id] = next;
    } else {
      let prev = this.nameHeads[id]!;
      while (this.recordNext[prev] !== record) prev = this.recordNext[prev]!;
      this.recordNext[prev] = next;
    }
    this.addressLists[record] = [];
    this.metas[record] = NO_META;
    this.recordFree.push(record);
    this.recordCount -= 1;
    if (this.nameHeads[id] === -1) this.removeName(id);
  }

  /** References held to `record` (tests, diagnostics). */
  refs(record: number): number {
    return this.recordRefs[record]!;
  }

  nameOf(record: number): string {
    return this.nameStrings[this.recordNames[record]!]!;
  }

  /** The name id of `record`. */
  nameIdOf(record: number): number {
    return this.recordNames[record]!;
  }

  incarnation(record: number): bigint {
    return this.incarnations[record]!;
  }

  generation(record: number): number {
    return this.generations[record]!;
  }

  /** The record's address URLs: a frozen array, safe to hand out. */
  addresses(record: number): readonly string[] {
    return this.addressLists[record]!;
  }

  /** The record's metadata: shared by every table, so never hand it out to be written to. */
  meta(record: number): Uint8Array {
    return this.metas[record]!;
  }

  /** {@link intern} for a name known by its id (see {@link nameId}). */
  internName(
    id: number,
    incarnation: bigint,
    generation: number,
    addresses: readonly string[],
    meta: Uint8Array,
  ): number {
    for (let r = this.nameHeads[id]!; r >= 0; r = this.recordNext[r]!) {
      const stored = this.addressLists[r]!;
      if (
        this.generations[r] === generation &&
        (stored === addresses || sameAddresses(stored, addresses)) &&
        sameMeta(this.metas[r]!, meta) &&
        this.incarnations[r] === incarnation
      ) {
        // An equal list that is frozen may stand for the stored copy: the next intern with the
        // same list (a member list handed to many tables) is then found by identity alone.
        if (stored !== addresses && Object.isFrozen(addresses)) this.addressLists[r] = addresses;
        this.recordRefs[r]! += 1;
        return r;
      }
    }
    if (incarnation < 0n || incarnation > U64_MAX) {
      throw new RangeError(`incarnation ${incarnation} is outside uint64`);
    }
    const record = this.newRecord();
    this.recordNames[record] = id;
    this.recordRefs[record] = 1;
    this.incarnations[record] = incarnation;
    this.generations[record] = generation;
    this.addressLists[record] = frozenAddresses(addresses);
    this.metas[record] = meta.length === 0 ? NO_META : meta.slice();
    this.recordNext[record] = this.nameHeads[id]!;
    this.nameHeads[id] = record;
    this.recordCount += 1;
    return record;
  }

  /** A free record index, else the next unused one (the record columns grown first if full). */
  private newRecord(): number {
    const reused = this.recordFree.pop();
    if (reused !== undefined) return reused;
    if (this.recordEnd === this.recordCapacity)
      this.growRecords(grownCapacity(this.recordCapacity));
    return this.recordEnd++;
  }

  /** A free name id, else the next unused one (the name columns grown first if full). */
  private newNameId(): number {
    const reused = this.nameFree.pop();
    if (reused !== undefined) return reused;
    if (this.nameEnd === this.nameCapacity_) this.growNames(grownCapacity(this.nameCapacity_));
    return this.nameEnd++;
  }

  private addName(name: string): number {
    if (2 * (this.nameCount + 1) > this.index.length) this.rehash(this.index.length * 2);
    const id = this.newNameId();
    this.nameStrings[id] = name;
    this.nameHeads[id] = -1;
    this.insertCell(id, name);
    this.nameCount += 1;
    return id;
  }

  private removeName(id: number): void {
    const name = this.nameStrings[id]!;
    if (name === this.lastName) this.lastName = undefined;
    this.removeCell(id, name);
    this.nameStrings[id] = undefined;
    this.nameFree.push(id);
    this.nameCount -= 1;
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

  private insertCell(id: number, name: string): void {
    const index = this.index;
    const mask = this.mask;
    let i = this.hash(name) & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = id + 1;
  }

  /** Linear-probing deletion by backward shift: no tombstones, lookups stay short. */
  private removeCell(id: number, name: string): void {
    const index = this.index;
    const mask = this.mask;
    let hole = this.hash(name) & mask;
    while (index[hole] !== id + 1) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; index[j] !== 0; j = (j + 1) & mask) {
      const cell = index[j]!;
      const home = this.hash(this.nameStrings[cell - 1]!) & mask;
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
    for (let id = 0; id < this.nameEnd; id++) {
      const name = this.nameStrings[id];
      if (name !== undefined) this.insertCell(id, name);
    }
  }

  private growNames(capacity: number): void {
    const heads = new Int32Array(capacity);
    heads.set(this.nameHeads);
    this.nameHeads = heads;
    this.nameCapacity_ = capacity;
  }

  private growRecords(capacity: number): void {
    this.recordNames = grown(this.recordNames, new Int32Array(capacity));
    this.recordNext = grown(this.recordNext, new Int32Array(capacity));
    this.recordRefs = grown(this.recordRefs, new Int32Array(capacity));
    this.incarnations = grown(this.incarnations, new BigUint64Array(capacity));
    this.generations = grown(this.generations, new Float64Array(capacity));
    this.recordCapacity = capacity;
  }
}

function grown<T extends { set(source: T): void }>(old: T, fresh: T): T {
  fresh.set(old);
  return fresh;
}

/** `addresses` as a frozen array: itself when already frozen, else a frozen copy. */
function frozenAddresses(addresses: readonly string[]): readonly string[] {
  return Object.isFrozen(addresses) ? addresses : Object.freeze(addresses.slice());
}
