import {
  fitting,
  GROWTH,
  grownColumn,
  type IndexColumn,
  type NarrowAllocator,
} from "./index-column.js";

/**
 * A growable list of slots in an {@link IndexColumn} (2 bytes an entry while slots fit in 16
 * bits), for the per-group member lists.
 */
export class SlotList {
  private items: IndexColumn = new Uint16Array(4);
  length = 0;

  /** Make room for `count` slots in all without further growth (`allocate` makes the room). */
  reserve(count: number, allocate?: NarrowAllocator): void {
    if (count <= this.items.length) return;
    this.items = grownColumn(this.items, count, allocate);
  }

  /** The slot at `i` (0 ≤ i < length). */
  at(i: number): number {
    return this.items[i]!;
  }

  set(i: number, slot: number): void {
    this.items = fitting(this.items, slot);
    this.items[i] = slot;
  }

  push(slot: number): void {
    if (this.length === this.items.length) {
      this.items = grownColumn(this.items, Math.ceil(this.items.length * GROWTH) + 4);
    }
    this.items = fitting(this.items, slot);
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
