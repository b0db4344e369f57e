import { type Rng, randomIndex } from "@grapevine/protocol";
import { fitting, grownColumn, type IndexColumn, type NarrowAllocator } from "./index-column.js";

/**
 * Shuffle `items` in place (Fisher–Yates), drawing from `rng`. Every permutation is equally
 * likely for a uniform `rng`.
 */
export function shuffleInPlace<T>(items: { length: number; [index: number]: T }, rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomIndex(rng, i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
}

/**
 * A fresh random probe order for one round of the walk (SWIM §4.3): a uniformly random
 * permutation of `members`, which is left untouched.
 */
export function probeOrder<T>(members: readonly T[], rng: Rng): T[] {
  const order = members.slice();
  shuffleInPlace(order, rng);
  return order;
}

/**
 * Where a member joining the walk goes (SWIM §4.3: "inserted at a uniformly random position"):
 * an index in [0, length], the member previously there moving to the end.
 */
export function insertionIndex(length: number, rng: Rng): number {
  return randomIndex(rng, length + 1);
}

/**
 * Worst-case number of protocol periods between two consecutive probes of the same member by
 * one prober: 2n − 1 for a list of n probe-able members (SWIM §4.3: a member probed first in one
 * round and last in the next), plus two for every member inserted meanwhile (the newcomer can
 * be probed once in each of the two rounds; a member it displaces to the end of the round is
 * probed no more often than before).
 *
 * Consequently, in a cluster whose membership is not growing, a crashed member is probed by
 * every healthy prober within 2n − 1 of that prober's (possibly awareness-stretched) protocol
 * periods, and suspected by it one period later: first suspicion within 2n periods.
 */
export function worstCaseProbeGap(members: number, insertionsMeanwhile = 0): number {
  return members <= 0 ? 0 : 2 * members - 1 + 2 * insertionsMeanwhile;
}

/**
 * The randomised round-robin walk of the member list (SWIM §4.3), over member slots (small
 * non-negative integers, 2 bytes each while they fit in 16 bits). Each round visits every entry once in a random order; at
 * the end of a round the list is compacted (entries that should no longer be walked are dropped)
 * and reshuffled. Joining members are inserted at a random position. All operations are O(1)
 * amortised: the O(n) compaction and shuffle happen once per n steps.
 */
export class ProbeOrder {
  private readonly rng: Rng;
  /** Slots, 2 bytes each while they fit in 16 bits (see {@link IndexColumn}). */
  private items: IndexColumn = new Uint16Array(8);
  private count = 0;
  private index = 0;

  constructor(rng: Rng) {
    this.rng = rng;
  }

  /** Entries in the walk, including those to be dropped at the next compaction. */
  get length(): number {
    return this.count;
  }

  /** Make room for `count` entries in all without further growth (`allocate` makes the room). */
  reserve(count: number, allocate?: NarrowAllocator): void {
    if (count <= this.items.length) return;
    this.items = grownColumn(this.items, count, allocate);
  }

  /** Add an entry at a random position (see {@link insertionIndex}). */
  insert(item: number): void {
    const at = insertionIndex(this.count, this.rng);
    if (this.count === this.items.length) {
      this.items = grownColumn(this.items, Math.ceil(this.items.length * 1.5) + 8);
    }
    this.items = fitting(this.items, item);
    const items = this.items;
    items[this.count] = items[at]!;
    items[at] = item;
    this.count += 1;
  }

  /**
   * The next entry to probe: walks forward, skipping entries for which `eligible` is false.
   * At the end of the list it keeps only entries for which `retain` is true, reshuffles, and
   * starts a new round. Visits each entry at most about twice per call, and returns undefined
   * when none is eligible.
   */
  next(eligible: (item: number) => boolean, retain: (item: number) => boolean): number | undefined {
    let wrapped = false;
    for (;;) {
      if (this.index >= this.count) {
        if (wrapped) return undefined;
        wrapped = true;
        this.startRound(retain);
        if (this.count === 0) return undefined;
      }
      const item = this.items[this.index]!;
      this.index += 1;
      if (eligible(item)) return item;
    }
  }

  /** The current order (for tests and diagnostics). */
  snapshot(): readonly number[] {
    return Array.from(this.items.subarray(0, this.count));
  }

  private startRound(retain: (item: number) => boolean): void {
    const items = this.items;
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const item = items[i]!;
      if (retain(item)) items[kept++] = item;
    }
    this.count = kept;
    shuffleInPlace(items.subarray(0, kept), this.rng);
    this.index = 0;
  }
}
