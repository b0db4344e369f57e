import type { Entry } from "./entry.js";
import type { OwnerState } from "./owner-state.js";

/**
 * Tombstones in the order they were written or received, with that time, so that collection after
 * the grace period touches only the expired ones instead of scanning every key. Times are expected
 * to be non-decreasing (the runtime's clock); an earlier time queued behind a later one is only
 * collected late, never early.
 */
export class TombstoneQueue {
  private owners: OwnerState[] = [];
  private entries: Entry[] = [];
  private times: number[] = [];
  private head = 0;

  /** Number of queued tombstones (some may have been superseded since). */
  get size(): number {
    return this.entries.length - this.head;
  }

  /** Queues `entry` of `owner`, deleted (or received) at `now` (ms). */
  push(owner: OwnerState, entry: Entry, now: number): void {
    this.owners.push(owner);
    this.entries.push(entry);
    this.times.push(now);
  }

  /** Time (ms) at which the oldest queued tombstone was queued, or `null` if none is. */
  oldest(): number | null {
    return this.head < this.times.length ? this.times[this.head]! : null;
  }

  /**
   * Removes every tombstone queued at or before `cutoff` (ms) and hands each to `collect` with its
   * owner; the callback decides whether it is still current.
   */
  drain(cutoff: number, collect: (owner: OwnerState, entry: Entry) => void): void {
    while (this.head < this.times.length && this.times[this.head]! <= cutoff) {
      collect(this.owners[this.head]!, this.entries[this.head]!);
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.owners = this.owners.slice(this.head);
      this.entries = this.entries.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
