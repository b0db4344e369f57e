import type { Entry } from "./entry.js";

/**
 * Owners with at most this many keys are held without a key index: their version-ordered log holds
 * exactly their current entries and a key is found by a short scan. Larger owners get a `Map`.
 */
export const SMALL_OWNER_KEYS = 16;

/**
 * Everything held about one owner node: its generation, heartbeat and keys (Scuttlebutt §3: a
 * participant's state is a map of keys to versioned values).
 *
 * Storage is laid out for many owners with few keys each. Entries sit in a log in increasing
 * version order, from which delta prefixes are cut with one binary search; every write has a
 * higher version than all before it, so the log is append-only.
 * - Small owners (up to {@link SMALL_OWNER_KEYS} keys): the log holds only current entries (a
 *   superseded or collected one is spliced out) and lookups scan it. No `Map`: at ten keys a
 *   `Map` would cost more than the entries themselves.
 * - Larger owners: a `Map` from key to current entry; superseded and collected entries stay in the
 *   log until they outnumber the current ones, then it is compacted (at most twice the keys).
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
  /** Entries in increasing version order (with superseded ones, when indexed). */
  private log: Entry[] = [];
  /** Current entry of every key, for owners with more than {@link SMALL_OWNER_KEYS} keys. */
  private index: Map<string, Entry> | null = null;
  /** Number of entries in the log that are no longer current (indexed owners only). */
  private superseded = 0;

  constructor(
    readonly owner: string,
    generation: number,
  ) {
    this.generation = generation;
  }

  /** The current entry of `key` (possibly a tombstone), or `undefined`. */
  get(key: string): Entry | undefined {
    if (this.index !== null) return this.index.get(key);
    const log = this.log;
    for (let i = log.length - 1; i >= 0; i--) {
      const entry = log[i]!;
      if (entry.key === key) return entry;
    }
    return undefined;
  }

  /** Number of keys held, tombstones included. */
  get size(): number {
    return this.index !== null ? this.index.size : this.log.length;
  }

  /** The current entries, tombstones included (a fresh array, safe to hold across writes). */
  current(): Entry[] {
    return this.index !== null ? [...this.index.values()] : this.log.slice();
  }

  /** Number of held keys that are not deleted. */
  liveCount(): number {
    let live = 0;
    for (const entry of this.index !== null ? this.index.values() : this.log) {
      if (!entry.tombstone) live += 1;
    }
    return live;
  }

  /**
   * Whether the log entry at some index is still its key's current write. Only meaningful for
   * entries read with {@link at}.
   */
  isCurrentLogEntry(entry: Entry): boolean {
    return this.index === null || this.index.get(entry.key) === entry;
  }

  /**
   * Stores `entry` as the current write of its key and returns the entry it replaces. The caller
   * guarantees `entry.version` is above every version held (versions are per owner and strictly
   * increasing, and deltas are applied in version order).
   */
  write(entry: Entry): Entry | undefined {
    let previous: Entry | undefined;
    if (this.index !== null) {
      previous = this.index.get(entry.key);
      this.index.set(entry.key, entry);
      this.log.push(entry);
      if (previous !== undefined) {
        this.superseded += 1;
        this.compactIfSparse();
      }
    } else {
      const log = this.log;
      for (let i = log.length - 1; i >= 0; i--) {
        if (log[i]!.key === entry.key) {
          previous = log[i];
          log.splice(i, 1);
          break;
        }
      }
      log.push(entry);
      if (log.length > SMALL_OWNER_KEYS) this.buildIndex();
    }
    if (entry.version > this.maxVersion) this.maxVersion = entry.version;
    return previous;
  }

  /**
   * Drops a tombstone whose grace period is over, if it is still the key's current write, and
   * raises the {@link floor} to its version. Returns whether it was collected.
   */
  collect(entry: Entry): boolean {
    if (!entry.tombstone) return false;
    if (this.index !== null) {
      if (this.index.get(entry.key) !== entry) return false;
      this.index.delete(entry.key);
      this.superseded += 1;
      this.compactIfSparse();
    } else {
      const at = this.log.lastIndexOf(entry);
      if (at < 0) return false;
      this.log.splice(at, 1);
    }
    if (entry.version > this.floor) this.floor = entry.version;
    return true;
  }

  /** Forgets every entry (before a wholesale replacement). Versions and floor are the caller's. */
  clear(): void {
    this.log = [];
    this.index = null;
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

  /** The log entry at `index` (check {@link isCurrentLogEntry} before using it). */
  at(index: number): Entry {
    return this.log[index]!;
  }

  private buildIndex(): void {
    const index = new Map<string, Entry>();
    for (const entry of this.log) index.set(entry.key, entry);
    this.index = index;
    this.superseded = 0;
  }

  private compactIfSparse(): void {
    const index = this.index;
    if (index === null || this.superseded <= 8 || this.superseded <= index.size) return;
    this.log = this.log.filter((entry) => index.get(entry.key) === entry);
    this.superseded = 0;
  }
}
