import type { Entry } from "./entry.js";

/**
 * Everything held about one owner node: its generation, heartbeat and keys (Scuttlebutt §3: a
 * participant's state is a map of keys to versioned values).
 *
 * Storage is laid out for many owners with few keys each: a `Map` from key to the current
 * {@link Entry}, plus a log of entries in increasing version order from which delta prefixes are
 * cut with one binary search. The log is append-only (every write has a higher version than all
 * before it); superseded or collected entries stay in it until they outnumber the current ones,
 * then it is compacted, so it stays within twice the number of held keys.
 */
export class OwnerState {
  /** Process restart counter of the owner; a higher one replaces this state wholesale. */
  generation: number;
  /** Owner's heartbeat counter, as last heard (the highest seen for this generation). */
  heartbeat = 0;
  /**
   * Highest version this replica holds, complete: every write of the owner up to it is either held
   * or superseded by a held write, or was a tombstone collected at or below {@link floor}.
   */
  maxVersion = 0;
  /**
   * Highest version whose tombstone may have been collected without this replica's peers having
   * seen it: a peer whose digest is below it must be sent a reset, not an increment.
   */
  floor = 0;
  /** Time (ms) the membership layer declared the owner dead, or -1 while it is not. */
  deadSince = -1;
  /** Current entry of every held key, tombstones included. */
  readonly keys = new Map<string, Entry>();
  /** Entries in increasing version order, including superseded ones (see {@link isCurrent}). */
  private log: Entry[] = [];
  /** Number of entries in the log that are no longer current. */
  private superseded = 0;

  constructor(
    readonly owner: string,
    generation: number,
  ) {
    this.generation = generation;
  }

  /** Whether `entry` is still the current write of its key (not superseded nor collected). */
  isCurrent(entry: Entry): boolean {
    return this.keys.get(entry.key) === entry;
  }

  /**
   * Stores `entry` as the current write of its key and returns the entry it replaces. The caller
   * guarantees `entry.version` is above every version held (versions are per owner and strictly
   * increasing, and deltas are applied in version order).
   */
  write(entry: Entry): Entry | undefined {
    const previous = this.keys.get(entry.key);
    this.keys.set(entry.key, entry);
    this.log.push(entry);
    if (previous !== undefined) {
      this.superseded += 1;
      this.compactIfSparse();
    }
    if (entry.version > this.maxVersion) this.maxVersion = entry.version;
    return previous;
  }

  /**
   * Drops a tombstone whose grace period is over, if it is still the key's current write, and
   * raises the {@link floor} to its version. Returns whether it was collected.
   */
  collect(entry: Entry): boolean {
    if (!entry.tombstone || this.keys.get(entry.key) !== entry) return false;
    this.keys.delete(entry.key);
    this.superseded += 1;
    if (entry.version > this.floor) this.floor = entry.version;
    this.compactIfSparse();
    return true;
  }

  /** Forgets every entry (before a wholesale replacement). Versions and floor are the caller's. */
  clear(): void {
    this.keys.clear();
    this.log = [];
    this.superseded = 0;
  }

  /** Index in the version-ordered log of the first entry with a version above `version`. */
  firstAfter(version: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.version <= version) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Log length; entries at indexes below it are read with {@link at}. */
  get logLength(): number {
    return this.log.length;
  }

  /** The log entry at `index` (which may no longer be current). */
  at(index: number): Entry {
    return this.log[index]!;
  }

  /** Number of held keys that are not deleted. */
  liveCount(): number {
    let live = 0;
    for (const entry of this.keys.values()) if (!entry.tombstone) live += 1;
    return live;
  }

  private compactIfSparse(): void {
    if (this.superseded <= 8 || this.superseded <= this.keys.size) return;
    this.log = this.log.filter((entry) => this.keys.get(entry.key) === entry);
    this.superseded = 0;
  }
}
