import { GrapevineError } from "@grapevine/protocol";
import { compareHlc, type HlcTimestamp, HybridClock } from "./hlc.js";
import { DEFAULT_DEAD_OWNER_GRACE_MS, DEFAULT_STATE_LIMITS, type StateLimits } from "./limits.js";
import { addHash, sharedEntryHash, subtractHash } from "./shared-hash.js";
import {
  BOOL_FIELD_SIZE,
  lengthDelimitedSize,
  stringFieldSize,
  utf8Length,
  varintFieldSize,
} from "./size.js";
import type { SharedEntry } from "./wire.js";

/** Default bound on how far ahead of our clock a peer's write may be stamped, ms. */
export const DEFAULT_MAX_CLOCK_DRIFT_MS = 5_000;

/**
 * A peer's entry stamped further in the future than the allowed clock drift: refused, so that one
 * node with a fast clock cannot win every write to a key for as long as its clock stays ahead.
 */
export class ClockDriftError extends GrapevineError<"clock-drift"> {
  override name = "ClockDriftError";

  constructor(
    /** The refused entry's key. */
    readonly key: string,
    /** How far ahead of the receiver's clock it was stamped, ms. */
    readonly aheadMs: number,
  ) {
    super("clock-drift", `shared key ${JSON.stringify(key)} stamped ${aheadMs} ms in the future`);
  }
}

/** Settings of a {@link SharedKeyspace}. */
export interface SharedKeyspaceOptions {
  /** This node's name: the writer of its entries and the HLC's final tie-break. */
  readonly self: string;
  /**
   * How long a tombstone is kept before it is collected, ms (default
   * {@link DEFAULT_DEAD_OWNER_GRACE_MS}). Also the "away" horizon: see {@link SharedKeyspace}.
   */
  readonly graceMs?: number;
  /** Largest accepted lead of a peer's timestamp over our clock, ms (default 5,000). */
  readonly maxClockDriftMs?: number;
  /** Key and value sizes accepted (bytes). */
  readonly limits?: StateLimits;
}

/** A visible change of one shared key: its value before and after (`undefined`: absent). */
export interface SharedChange {
  readonly key: string;
  readonly previous: Uint8Array | undefined;
  readonly current: Uint8Array | undefined;
  /** The timestamp of the entry now held. */
  readonly stamp: HlcTimestamp;
}

/** Running totals of a {@link SharedKeyspace}. */
export interface SharedCounters {
  /** Entries from peers that replaced what we held (news). */
  applied: number;
  /** Entries refused for a timestamp beyond the allowed clock drift. */
  refusedClockDrift: number;
  /** Entries refused as malformed (oversized, a tombstone with a value, ...). */
  refusedInvalid: number;
  /** Piggy-backed news stamped before the grace horizon: only a node back from an absence sends
   * such, before it has set its old entries aside. */
  refusedStaleNews: number;
  /** Tombstones collected after their grace period. */
  collected: number;
  /** Entries set aside after the node was away longer than the grace period. */
  quarantined: number;
  /** Set-aside entries dropped because a complete peer keyspace did not hold them. */
  droppedStale: number;
}

/**
 * A keyspace as kept on disk between runs ({@link SharedKeyspace.snapshot}): every entry with its
 * timestamp (tombstones too), the entries set aside, and when the node last heard from a peer.
 */
export interface SharedSnapshot {
  /** Wall-clock ms of the node's last contact with a peer (or of the snapshot, if never away). */
  readonly lastContactAt: number;
  readonly entries: readonly SharedEntry[];
  /** Entries set aside after an absence, still awaiting a peer's word. */
  readonly setAside: readonly SharedEntry[];
}

/** What a merge of peers' entries did. */
export interface SharedMergeResult {
  /** Entries that were news (for passing on). */
  readonly accepted: SharedEntry[];
  /** Changes a reader can see. */
  readonly changes: SharedChange[];
  /** Entries refused, with why. */
  readonly refused: Array<ClockDriftError | GrapevineError<"invalid-entry">>;
}

/** Upper bound of the encoded size of a `SharedEntry` embedded in its message, bytes. */
export function sharedEntrySize(e: SharedEntry): number {
  return lengthDelimitedSize(
    stringFieldSize(e.key) +
      lengthDelimitedSize(e.value.length) +
      varintFieldSize(e.wall) +
      varintFieldSize(e.logical) +
      stringFieldSize(e.writer) +
      BOOL_FIELD_SIZE,
  );
}

const EMPTY = new Uint8Array(0);

/**
 * The cluster-scoped keyspace: configuration (feature flags, versions) that belongs to no node,
 * replicated whole on every node. Any node may write any key; the write with the highest hybrid
 * logical clock timestamp wins everywhere ({@link compareHlc}), so merges commute, are idempotent
 * and converge whatever order entries arrive in. Entries outlive every node that wrote them.
 * Sans-IO: `now` (ms) is passed in.
 *
 * Deletes are tombstones, collected `graceMs` after the delete's timestamp. A node that still held
 * the deleted key's older value and did not hear of the delete before the tombstone went would
 * bring the key back. Hence the rule: **a node that was away (cut off from every peer: stopped,
 * isolated) for longer than `graceMs` sets aside every entry stamped before `now - graceMs`**
 * ({@link observe}). Set-aside entries are still read locally but are never sent, nor counted in
 * the digest; each comes back when a peer sends the same or an older entry for its key (the key
 * still exists), is replaced when a peer sends a newer one, and is dropped (a visible delete) when
 * a peer's complete keyspace does not hold it. Entries stamped after `now - graceMs` are safe: a
 * delete of them would be younger still, so its tombstone is still held somewhere.
 *
 * What this is not: there is no read-your-writes across nodes, no compare-and-set and no total
 * order of writes; a partition longer than `graceMs` in which both sides keep talking among
 * themselves can bring back a key deleted on one side. Use a consensus store for those.
 */
export class SharedKeyspace {
  /** Running totals. */
  readonly counters: SharedCounters = {
    applied: 0,
    refusedClockDrift: 0,
    refusedInvalid: 0,
    refusedStaleNews: 0,
    collected: 0,
    quarantined: 0,
    droppedStale: 0,
  };
  /** Tombstone grace and away horizon, ms. */
  readonly graceMs: number;
  /** Largest accepted lead of a peer's timestamp, ms. */
  readonly maxClockDriftMs: number;

  private readonly entriesByKey = new Map<string, SharedEntry>();
  private readonly hashes = new Map<string, number>();
  private readonly setAside = new Map<string, SharedEntry>();
  private readonly clock: HybridClock;
  private readonly limits: StateLimits;
  private hashSum = 0;
  private lastContactAt: number | undefined;
  private changedAt = -Infinity;

  constructor(options: SharedKeyspaceOptions) {
    this.self = options.self;
    this.graceMs = options.graceMs ?? DEFAULT_DEAD_OWNER_GRACE_MS;
    this.maxClockDriftMs = options.maxClockDriftMs ?? DEFAULT_MAX_CLOCK_DRIFT_MS;
    this.limits = options.limits ?? DEFAULT_STATE_LIMITS;
    this.clock = new HybridClock(options.self);
  }

  /** This node's name. */
  readonly self: string;

  // ── reads ────────────────────────────────────────────────────────────────────────────────────

  /** The value of `key`, or `undefined` when absent or deleted. */
  get(key: string): Uint8Array | undefined {
    const e = this.entriesByKey.get(key) ?? this.setAside.get(key);
    return e === undefined || e.tombstone ? undefined : e.value;
  }

  /** The entry held for `key` (tombstones included), if any. */
  entry(key: string): SharedEntry | undefined {
    return this.entriesByKey.get(key) ?? this.setAside.get(key);
  }

  /** Live keys starting with `prefix`, sorted, with their values. */
  entries(prefix = ""): Array<[string, Uint8Array]> {
    const out: Array<[string, Uint8Array]> = [];
    for (const map of [this.entriesByKey, this.setAside]) {
      for (const [key, e] of map)
        if (!e.tombstone && key.startsWith(prefix)) out.push([key, e.value]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Entries held and sent (tombstones included, set-aside ones not). */
  get size(): number {
    return this.entriesByKey.size;
  }

  /** Entries set aside after an absence, awaiting a peer's word. */
  get quarantineSize(): number {
    return this.setAside.size;
  }

  /** The digest peers compare: sum of entry hashes and the entry count. */
  digest(): { hash: number; count: number } {
    return { hash: this.hashSum, count: this.entriesByKey.size };
  }

  /** Whether a peer's digest differs from ours. */
  differs(hash: number, count: number): boolean {
    return hash !== this.hashSum || count !== this.entriesByKey.size;
  }

  /** When an entry last changed here (local write, merge, collection), ms. */
  get lastChangeAt(): number {
    return this.changedAt;
  }

  /**
   * Entries to send, newest first (what a peer most likely lacks), until `budget` bytes of
   * entries are used. The second value is true when every entry fitted.
   */
  delta(budget: number): { entries: SharedEntry[]; complete: boolean } {
    const all = [...this.entriesByKey.values()].sort((a, b) => compareHlc(b, a));
    const entries: SharedEntry[] = [];
    let used = 0;
    for (const e of all) {
      const size = sharedEntrySize(e);
      if (used + size > budget) return { entries, complete: false };
      used += size;
      entries.push(e);
    }
    return { entries, complete: true };
  }

  // ── writes ───────────────────────────────────────────────────────────────────────────────────

  /** Writes `key` at `now`; returns the new entry (to spread) and the visible change. */
  set(key: string, value: Uint8Array, now: number): { entry: SharedEntry; change?: SharedChange } {
    return this.write(key, value, false, now);
  }

  /** Deletes `key` at `now` (a tombstone); `undefined` when it was absent already. */
  delete(key: string, now: number): { entry: SharedEntry; change?: SharedChange } | undefined {
    const held = this.entry(key);
    if (held === undefined || held.tombstone) return undefined;
    return this.write(key, EMPTY, true, now);
  }

  /**
   * Merges peers' entries at `now`: each replaces ours when its timestamp is higher. Entries
   * stamped more than `maxClockDriftMs` ahead of `now`, or malformed, are refused and counted.
   * `kind` says what the entries are: `news` (piggy-backed writes, which are never older than the
   * grace period unless they come from a node back from an absence: those are refused and
   * counted), `answer` (part of a peer's keyspace) or `complete` (a peer's whole keyspace:
   * set-aside entries it does not hold are dropped).
   */
  merge(
    entries: readonly SharedEntry[],
    now: number,
    kind: "news" | "answer" | "complete" = "answer",
  ): SharedMergeResult {
    const result: SharedMergeResult = { accepted: [], changes: [], refused: [] };
    const complete = kind === "complete";
    for (const e of entries) {
      if (kind === "news" && e.wall < now - this.graceMs) {
        this.counters.refusedStaleNews += 1;
        continue;
      }
      const invalid = this.invalid(e);
      if (invalid !== undefined) {
        this.counters.refusedInvalid += 1;
        result.refused.push(new GrapevineError("invalid-entry", invalid));
        continue;
      }
      if (e.wall > now + this.maxClockDriftMs) {
        this.counters.refusedClockDrift += 1;
        result.refused.push(new ClockDriftError(e.key, e.wall - now));
        continue;
      }
      this.clock.observe(e);
      const aside = this.setAside.get(e.key);
      if (aside !== undefined) {
        // The peer knows the key, so it was not deleted-and-collected: ours is valid again.
        this.setAside.delete(e.key);
        this.put(aside);
      }
      const held = this.entriesByKey.get(e.key);
      if (held !== undefined && compareEntries(e, held) <= 0) continue;
      const change = this.replace(e, held, now);
      this.counters.applied += 1;
      result.accepted.push(e);
      if (change) result.changes.push(change);
    }
    if (complete && this.setAside.size > 0) {
      for (const [key, e] of this.setAside) {
        this.setAside.delete(key);
        this.counters.droppedStale += 1;
        if (!e.tombstone) {
          result.changes.push({ key, previous: e.value, current: undefined, stamp: e });
        }
      }
    }
    return result;
  }

  // ── snapshots ────────────────────────────────────────────────────────────────────────────────

  /** The whole keyspace at `now`, to restore in a later run (see {@link restore}). */
  snapshot(now: number): SharedSnapshot {
    return {
      lastContactAt: Math.floor(Math.min(this.lastContactAt ?? now, now)),
      entries: [...this.entriesByKey.values()],
      setAside: [...this.setAside.values()],
    };
  }

  /**
   * Restores a snapshot of an earlier run at `now`: its entries are merged as a peer's would be
   * (a newer entry held wins; malformed or too-far-future ones are refused and counted), and the
   * node counts as away since the snapshot's last contact. So the away rule applies on the next
   * {@link observe}: after an absence longer than the grace, the old entries are set aside until a
   * peer settles them, and a key deleted (and collected) meanwhile does not come back.
   */
  restore(saved: SharedSnapshot, now: number): SharedMergeResult {
    const result = this.merge(saved.entries, now, "answer");
    for (const e of saved.setAside) {
      if (this.entry(e.key) !== undefined || e.tombstone) continue;
      if (this.invalid(e) !== undefined) {
        this.counters.refusedInvalid += 1;
        continue;
      }
      this.clock.observe(e);
      this.setAside.set(e.key, e);
    }
    if (this.lastContactAt === undefined || saved.lastContactAt < this.lastContactAt) {
      this.lastContactAt = saved.lastContactAt;
    }
    return result;
  }

  // ── housekeeping ─────────────────────────────────────────────────────────────────────────────

  /**
   * Follows the node's contact with its peers at `now`: `connected` when it hears from them (or is
   * alone). When the last contact is more than `graceMs` ago, every entry stamped before
   * `now - graceMs` is set aside first (see the class comment). Returns how many were.
   */
  observe(now: number, connected: boolean): number {
    let setAside = 0;
    const last = this.lastContactAt;
    if (last !== undefined && now - last > this.graceMs) {
      const horizon = now - this.graceMs;
      for (const [key, e] of this.entriesByKey) {
        if (e.wall >= horizon) continue;
        this.remove(key);
        // A tombstone that old is due for collection anyway.
        if (!e.tombstone) this.setAside.set(key, e);
        setAside += 1;
      }
      this.counters.quarantined += setAside;
      this.lastContactAt = now;
    }
    if (connected) this.lastContactAt = now;
    return setAside;
  }

  /** Collects tombstones older than the grace period; returns how many. */
  collect(now: number): number {
    let collected = 0;
    for (const [key, e] of this.entriesByKey) {
      if (e.tombstone && now - e.wall > this.graceMs) {
        this.remove(key);
        collected += 1;
      }
    }
    if (collected > 0) this.changedAt = now;
    this.counters.collected += collected;
    return collected;
  }

  /** When {@link collect} next has work, ms (Infinity: no tombstones). */
  nextCollectAt(): number {
    let at = Infinity;
    for (const e of this.entriesByKey.values()) {
      if (e.tombstone) at = Math.min(at, e.wall + this.graceMs + 1);
    }
    return at;
  }

  // ── inside ───────────────────────────────────────────────────────────────────────────────────

  private write(
    key: string,
    value: Uint8Array,
    tombstone: boolean,
    now: number,
  ): { entry: SharedEntry; change?: SharedChange } {
    const stamp = this.clock.issue(now);
    const entry: SharedEntry = { key, value, tombstone, ...stamp };
    const aside = this.setAside.get(key);
    this.setAside.delete(key);
    const held = this.entriesByKey.get(key) ?? aside;
    const change = this.replace(entry, this.entriesByKey.get(key), now, held);
    return change ? { entry, change } : { entry };
  }

  /** Puts `e` in place of `held`; the visible change, if any (`shown` is what readers saw). */
  private replace(
    e: SharedEntry,
    held: SharedEntry | undefined,
    now: number,
    shown: SharedEntry | undefined = held,
  ): SharedChange | undefined {
    if (held !== undefined) this.remove(e.key);
    this.put(e);
    this.changedAt = now;
    const previous = shown === undefined || shown.tombstone ? undefined : shown.value;
    const current = e.tombstone ? undefined : e.value;
    if (previous === undefined && current === undefined) return undefined;
    if (previous !== undefined && current !== undefined && sameBytes(previous, current)) {
      return undefined;
    }
    return { key: e.key, previous, current, stamp: e };
  }

  private put(e: SharedEntry): void {
    const h = sharedEntryHash(e);
    this.entriesByKey.set(e.key, e);
    this.hashes.set(e.key, h);
    this.hashSum = addHash(this.hashSum, h);
  }

  private remove(key: string): void {
    const h = this.hashes.get(key);
    if (h !== undefined) this.hashSum = subtractHash(this.hashSum, h);
    this.hashes.delete(key);
    this.entriesByKey.delete(key);
  }

  private invalid(e: SharedEntry): string | undefined {
    if (e.key.length === 0 || utf8Length(e.key) > this.limits.maxKeyBytes) return "key size";
    if (e.value.length > this.limits.maxValueBytes) return "value size";
    if (e.tombstone && e.value.length > 0) return "tombstone with a value";
    if (e.writer.length === 0 || !Number.isSafeInteger(e.wall) || e.wall < 0) return "timestamp";
    return undefined;
  }
}

/**
 * The last-writer-wins order: by timestamp; two different entries with one timestamp (which a
 * correct writer never issues) are still ordered, tombstone first then by value bytes, so that
 * merges commute whatever they are fed.
 */
export function compareEntries(a: SharedEntry, b: SharedEntry): number {
  const byStamp = compareHlc(a, b);
  if (byStamp !== 0) return byStamp;
  if (a.tombstone !== b.tombstone) return a.tombstone ? 1 : -1;
  const n = Math.min(a.value.length, b.value.length);
  for (let i = 0; i < n; i++) if (a.value[i] !== b.value[i]) return a.value[i]! - b.value[i]!;
  return a.value.length - b.value.length;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
