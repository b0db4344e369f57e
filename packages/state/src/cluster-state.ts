import type { Rng } from "@grapevine/protocol";
import { type ApplyResult, type ApplyTarget, applyDeltas } from "./apply-delta.js";
import type { StateChange } from "./changes.js";
import { emptyStateCounters, type StateCounters } from "./counters.js";
import { cutOwnerDelta, fillDeltas } from "./delta.js";
import { deltaCandidates } from "./delta-candidates.js";
import { buildDigest, type Digest } from "./digest.js";
import { EMPTY_VALUE, Entry, type StateEntry } from "./entry.js";
import {
  DEFAULT_DEAD_OWNER_GRACE_MS,
  DEFAULT_STATE_LIMITS,
  DEFAULT_TOMBSTONE_GRACE_MS,
  type StateLimits,
} from "./limits.js";
import { recordChange, sameBytes } from "./merge.js";
import type { OwnerState } from "./owner-state.js";
import { OwnerTable } from "./owner-table.js";
import { deltaSelfClaim, digestSelfClaim, type SelfClaimReason } from "./self-claims.js";
import { utf8Length } from "./size.js";
import type { LocalSnapshot } from "./snapshot.js";
import { TombstoneQueue } from "./tombstone-queue.js";
import { checkOwnerDelta } from "./validate.js";
import type { DigestEntry, OwnerDelta } from "./wire.js";

export type { ApplyResult, Rejection } from "./apply-delta.js";

/** Options of a {@link ClusterState}. */
export interface ClusterStateOptions {
  /** Name of this node: the owner of the keys written with `set` and `delete`. */
  readonly self: string;
  /**
   * This node's generation (process restart counter): must be higher than any it used before, so
   * peers replace what they held of its previous run instead of merging with it.
   */
  readonly generation: number;
  /** Seeded randomness (tie-breaks when choosing which owners fit a delta). */
  readonly rng: Rng;
  /** Key and value size limits; defaults in {@link DEFAULT_STATE_LIMITS}. */
  readonly limits?: Partial<StateLimits>;
  /** How long a tombstone is kept before it is collected, in ms. */
  readonly tombstoneGraceMs?: number;
  /** How long a dead owner's state is kept before it is dropped, in ms. */
  readonly deadOwnerGraceMs?: number;
}

/** What {@link ClusterState.tick} did. */
export interface TickResult {
  /** Keys no longer visible because their owner was dropped. */
  readonly changes: StateChange[];
  /** Time (ms) at which `tick` next has work to do, or `null` if nothing is pending. */
  readonly nextTickAt: number | null;
}

/** A summary of one owner as held. */
export interface OwnerInfo {
  readonly owner: string;
  readonly generation: number;
  /** Highest version held. */
  readonly maxVersion: number;
  readonly heartbeat: number;
  /** Number of keys held that are not deleted. */
  readonly keys: number;
  /** Time (ms) the owner was declared dead, or `null`. */
  readonly deadSince: number | null;
}

/** An entry together with the owner it belongs to (from {@link ClusterState.byPrefix}). */
export interface OwnedEntry extends StateEntry {
  readonly owner: string;
}

/**
 * The cluster state as one node holds it: for every owner node, its generation, heartbeat and
 * versioned keys; for this node, the writes. Reconciled with peers by scuttlebutt anti-entropy
 * (van Renesse et al. 2008): {@link digest} says what is held, {@link deltaFor} answers a peer's
 * digest with what it lacks, {@link apply} takes a peer's answer; and by piggy-backed updates
 * ({@link localDelta}).
 *
 * Sans-IO: every method is synchronous, takes the time as `now` (ms) where time matters, and draws
 * randomness only from the injected {@link Rng}.
 */
export class ClusterState {
  /** Name of this node. */
  readonly self: string;
  private readonly rng: Rng;
  private readonly limits: StateLimits;
  private readonly tombstoneGraceMs: number;
  private readonly deadOwnerGraceMs: number;
  private readonly counters_: StateCounters = emptyStateCounters();
  private readonly owners_ = new OwnerTable(this.counters_);
  private readonly local: OwnerState;
  private readonly tombstones = new TombstoneQueue();
  private readonly applyTarget: ApplyTarget;
  private cursor = "";
  private refuted = false;

  constructor(options: ClusterStateOptions) {
    if (options.self.length === 0) throw new RangeError("self must be a non-empty name");
    if (!Number.isSafeInteger(options.generation) || options.generation < 0) {
      throw new RangeError(`generation must be a non-negative integer: ${options.generation}`);
    }
    this.self = options.self;
    this.rng = options.rng;
    this.limits = { ...DEFAULT_STATE_LIMITS, ...options.limits };
    this.tombstoneGraceMs = options.tombstoneGraceMs ?? DEFAULT_TOMBSTONE_GRACE_MS;
    this.deadOwnerGraceMs = options.deadOwnerGraceMs ?? DEFAULT_DEAD_OWNER_GRACE_MS;
    this.local = this.owners_.create(options.self, options.generation);
    this.applyTarget = {
      self: this.self,
      limits: this.limits,
      owners: this.owners_,
      tombstones: this.tombstones,
      counters: this.counters_,
    };
  }

  /** This node's generation. */
  get generation(): number {
    return this.local.generation;
  }

  /** Highest version of this node's own keys (0 before the first write). */
  get version(): number {
    return this.local.maxVersion;
  }

  /** Owners held (this node included) plus owners dropped lately: 1 when nothing is known of others. */
  get knownOwners(): number {
    return this.owners_.known;
  }

  /** Running totals (applied, duplicates, gaps, rejections per reason, collections...). */
  get counters(): Readonly<StateCounters> {
    return this.counters_;
  }

  // ---- local writes -------------------------------------------------------------------------

  /**
   * Sets one of this node's keys, at the next version. Returns the change, or `null` if the key
   * already holds these bytes (no new version is spent). Throws a `RangeError` for a key or value
   * over the limits. The bytes are copied.
   */
  set(key: string, value: Uint8Array, now: number): StateChange | null {
    this.checkLocalWrite(key, value);
    const previous = this.local.get(key);
    if (previous !== undefined && !previous.tombstone && sameBytes(previous.value, value)) {
      return null;
    }
    const bytes = value.byteLength === 0 ? EMPTY_VALUE : value.slice();
    return this.writeLocal(new Entry(key, bytes, this.local.maxVersion + 1, false), now);
  }

  /**
   * Deletes one of this node's keys: writes a tombstone at the next version, kept for the
   * tombstone grace period so that peers learn of the delete. Returns the change, or `null` if the
   * key was absent or already deleted.
   */
  delete(key: string, now: number): StateChange | null {
    const previous = this.local.get(key);
    if (previous === undefined || previous.tombstone) return null;
    return this.writeLocal(new Entry(key, EMPTY_VALUE, this.local.maxVersion + 1, true), now);
  }

  /** Raises this node's heartbeat counter (carried by its deltas) and returns it. */
  heartbeat(): number {
    this.local.heartbeat += 1;
    return this.local.heartbeat;
  }

  // ---- reads --------------------------------------------------------------------------------

  /** The value of `key` of `owner`, or `undefined` if not held or deleted. */
  get(owner: string, key: string): StateEntry | undefined {
    const entry = this.owners_.get(owner)?.get(key);
    return entry === undefined || entry.tombstone ? undefined : entry;
  }

  /** Every key of `owner` that is held and not deleted (empty for an unknown owner). */
  entries(owner: string): StateEntry[] {
    const state = this.owners_.get(owner);
    const out: StateEntry[] = [];
    if (state === undefined) return out;
    for (const entry of state.current()) if (!entry.tombstone) out.push(entry);
    return out;
  }

  /** Every held, not deleted key starting with `prefix`, of all owners or only of `owner`. */
  byPrefix(prefix: string, owner?: string): OwnedEntry[] {
    const out: OwnedEntry[] = [];
    const visit = (state: OwnerState): void => {
      for (const e of state.current()) {
        if (e.tombstone || !e.key.startsWith(prefix)) continue;
        out.push({
          owner: state.owner,
          key: e.key,
          value: e.value,
          version: e.version,
          tombstone: false,
        });
      }
    };
    if (owner !== undefined) {
      const state = this.owners_.get(owner);
      if (state !== undefined) visit(state);
    } else {
      for (const state of this.owners_.states.values()) visit(state);
    }
    return out;
  }

  /** A summary of every owner held that has written something (this node included), in name order. */
  owners(): OwnerInfo[] {
    const out: OwnerInfo[] = [];
    for (let i = 0; i < this.owners_.ring.size; i++) {
      const state = this.owners_.get(this.owners_.ring.at(i))!;
      // An owner that never wrote anything is not replicated (see `digest`): nothing to list.
      if (state.maxVersion > 0) out.push(this.info(state));
    }
    return out;
  }

  /** A summary of `owner`, or `undefined` if not held. */
  owner(owner: string): OwnerInfo | undefined {
    const state = this.owners_.get(owner);
    return state === undefined ? undefined : this.info(state);
  }

  // ---- anti-entropy -------------------------------------------------------------------------

  /**
   * This node's digest (Scuttlebutt §3.1), within `budgetBytes` (sum of the entries' estimated
   * sizes, see `size.ts`). Complete when every owner fits; otherwise a slice of the owners in name
   * order, starting where the previous slice stopped, so that successive digests cover every owner.
   */
  digest(budgetBytes: number): Digest {
    const slice = buildDigest(this.owners_.ring, this.owners_.states, this.cursor, budgetBytes);
    this.cursor = slice.nextCursor;
    return slice.digest;
  }

  /**
   * The deltas a peer lacks, given its digest, within `budgetBytes` (sum of the owner deltas'
   * estimated sizes). For each owner held:
   * - peer on the same generation and behind: the entries after its version, in version order
   *   (a reset from 0 instead if it is below the versions already collected here);
   * - peer on an older generation: everything, which replaces what it holds;
   * - peer lacking the owner: everything, if its digest is `complete`; if not, only for owners
   *   within the name range its slice covers (a slice says nothing of owners outside it). Owners
   *   declared dead are not offered to peers that lack them.
   *
   * When the budget is short, owners go in scuttle-depth order (Scuttlebutt §3.2: most versions
   * behind first, random tie-break); each delta is a prefix in version order, so the peer's version
   * advances to exactly what it received.
   */
  deltaFor(
    peerDigest: readonly DigestEntry[],
    complete: boolean,
    budgetBytes: number,
  ): OwnerDelta[] {
    for (const entry of peerDigest) {
      if (entry.owner !== this.self) continue;
      const claim = digestSelfClaim(this.local, entry);
      if (claim !== null) this.refute(entry.generation, claim);
    }
    const candidates = deltaCandidates(this.owners_, peerDigest, complete);
    const deltas = fillDeltas(candidates, budgetBytes, this.rng, () => {
      this.counters_.resetsTooLarge += 1;
    });
    for (const delta of deltas) if (delta.reset) this.counters_.resetsSent += 1;
    return deltas;
  }

  /**
   * The delta of this node's own keys after `afterVersion`, within `budgetBytes`, for piggy-backed
   * dissemination (`state-delta`): after a write at version `v`, `localDelta(v - 1, budget)` is that
   * write alone. A prefix in version order when cut; `null` when nothing is newer or nothing fits.
   * If `afterVersion` is below tombstones already collected, the delta is a reset carrying the
   * whole state instead (an increment would leave receivers holding deleted keys).
   */
  localDelta(afterVersion: number, budgetBytes: number): OwnerDelta | null {
    const from = Math.max(0, afterVersion);
    if (from >= this.local.maxVersion) return null;
    const reset = from < this.local.floor;
    return cutOwnerDelta(this.local, reset ? 0 : from, reset, budgetBytes)?.delta ?? null;
  }

  /**
   * Applies owner deltas from a peer (anti-entropy answers or piggy-backed updates), each on its
   * own: a refused or set-aside delta changes nothing. Refused (and counted per reason): deltas
   * about this node, of an older generation, of a dropped owner, with versions not strictly
   * increasing inside `(fromVersion, maxVersion]`, a reset not from 0, or keys or values over the
   * limits. Set aside as a gap (counted, not an error): deltas starting beyond what is held. A
   * newer generation (from 0) replaces the owner's state; a reset replaces it unless what is held
   * is already as recent.
   */
  apply(deltas: readonly OwnerDelta[], now: number): ApplyResult {
    const others = deltas.filter((d) => d.owner !== this.self);
    const result = applyDeltas(this.applyTarget, others, now);
    if (others.length === deltas.length) return result;
    for (const delta of deltas) {
      if (delta.owner !== this.self) continue;
      // Shape first (an impossible delta claims nothing), then what it says about us.
      const invalid = checkOwnerDelta(delta, "", this.limits);
      const claim = invalid === null ? deltaSelfClaim(this.local, delta) : null;
      if (claim !== null) {
        this.refute(delta.generation, claim);
      } else {
        const reason = invalid ?? "self";
        this.counters_.rejected[reason] += 1;
        result.rejected.push({ owner: delta.owner, reason });
      }
    }
    return result;
  }

  /**
   * Whether this node refuted a claim about its own state since the last call, and so must
   * announce its state again (with {@link announcement}).
   */
  takeRefuted(): boolean {
    const refuted = this.refuted;
    this.refuted = false;
    return refuted;
  }

  /**
   * This node's whole state from version 0 in its current generation, cut to `budgetBytes`: what
   * replaces everything peers hold of it (after a refutation; an empty state announces itself too,
   * so forged keys are dropped everywhere). `null` when not even the header fits.
   */
  announcement(budgetBytes: number): OwnerDelta | null {
    const local = this.local;
    return cutOwnerDelta(local, 0, local.floor > 0, budgetBytes)?.delta ?? null;
  }

  /**
   * SWIM §4.2 for state: outbid a claim about our own state by moving our generation above it
   * (keeping our keys), so that our next announcement replaces the claim on every peer.
   */
  private refute(claimedGeneration: number, reason: SelfClaimReason): void {
    const local = this.local;
    local.generation = Math.max(local.generation, claimedGeneration) + 1;
    this.counters_.selfRefutations[reason] += 1;
    this.refuted = true;
  }

  // ---- membership ---------------------------------------------------------------------------

  /**
   * The membership layer declared `owner` dead at `now` (ms): its state is kept, and still
   * updated, for the dead-owner grace period, then dropped by {@link tick}. Ignored for this node
   * and for owners not held. Only {@link markOwnerAlive} cancels it (a delta of a newer
   * generation does not: liveness is the membership layer's call).
   */
  markOwnerDead(owner: string, now: number): void {
    this.owners_.markDead(owner, now, this.local);
  }

  /**
   * The membership layer sees `owner` alive (again), at `generation` if known. Cancels a pending
   * drop and forgets a drop already done, so its state can come back. If `generation` is newer
   * than the one held, the old state is dropped now (the process restarted; its old keys are gone)
   * and the returned changes say which keys disappeared.
   */
  markOwnerAlive(owner: string, now: number, generation?: number): StateChange[] {
    return this.owners_.markAlive(owner, now, generation, this.local);
  }

  /**
   * Housekeeping at `now` (ms): collects tombstones past their grace period (raising the floor
   * below which peers get resets) and drops owners dead for longer than their grace period.
   */
  tick(now: number): TickResult {
    this.tombstones.drain(now - this.tombstoneGraceMs, (state, entry) => {
      if (state.collect(entry)) this.counters_.tombstonesCollected += 1;
    });
    const changes: StateChange[] = [];
    let next = this.owners_.expire(now, this.deadOwnerGraceMs, changes);
    const oldest = this.tombstones.oldest();
    if (oldest !== null) next = Math.min(next, oldest + this.tombstoneGraceMs);
    return { changes, nextTickAt: Number.isFinite(next) ? next : null };
  }

  // ---- persistence --------------------------------------------------------------------------

  /** This node's own keys (tombstones included) and versions, for the runtime to persist. */
  snapshot(): LocalSnapshot {
    const entries: StateEntry[] = this.local.current().sort((a, b) => a.version - b.version);
    return {
      owner: this.self,
      generation: this.local.generation,
      maxVersion: this.local.maxVersion,
      entries,
    };
  }

  /**
   * Re-issues the keys of a snapshot of this node as fresh writes, in their original order, at
   * versions above both the snapshot's and the current ones: they win over anything peers hold of
   * the earlier run, whether or not the generation was raised. Keys written since start-up are
   * kept, not overwritten. Within the same generation, tombstones are re-issued too and peers below
   * the snapshot's version will be sent resets (the earlier run may have collected tombstones they
   * never saw); a new generation replaces peers' old state wholesale anyway. Throws a `RangeError`
   * for a snapshot of another node.
   */
  restore(snapshot: LocalSnapshot, now: number): StateChange[] {
    if (snapshot.owner !== this.self) {
      throw new RangeError(`snapshot of ${snapshot.owner} cannot be restored into ${this.self}`);
    }
    if (snapshot.maxVersion > this.local.maxVersion) this.local.maxVersion = snapshot.maxVersion;
    const sameGeneration = snapshot.generation === this.local.generation;
    if (sameGeneration && snapshot.maxVersion > this.local.floor) {
      // Tombstones the earlier run collected are in no snapshot: a peer still below the
      // snapshot's version may hold keys they deleted, so it gets a reset rather than increments.
      this.local.floor = snapshot.maxVersion;
    }
    const changes: StateChange[] = [];
    const ordered = [...snapshot.entries].sort((a, b) => a.version - b.version);
    for (const saved of ordered) {
      if (this.local.get(saved.key) !== undefined || (saved.tombstone && !sameGeneration)) continue;
      const change = saved.tombstone
        ? this.writeLocal(new Entry(saved.key, EMPTY_VALUE, this.local.maxVersion + 1, true), now)
        : this.set(saved.key, saved.value, now);
      if (change !== null) changes.push(change);
    }
    return changes;
  }

  // ---- internals ----------------------------------------------------------------------------

  private writeLocal(entry: Entry, now: number): StateChange | null {
    const previous = this.local.write(entry);
    if (entry.tombstone) this.tombstones.push(this.local, entry, now);
    const changes: StateChange[] = [];
    recordChange(changes, this.self, entry.key, previous, entry);
    return changes[0] ?? null;
  }

  private checkLocalWrite(key: string, value: Uint8Array): void {
    const keyBytes = utf8Length(key);
    if (keyBytes > this.limits.maxKeyBytes) {
      throw new RangeError(
        `key of ${keyBytes} bytes is over the ${this.limits.maxKeyBytes}-byte limit`,
      );
    }
    if (value.byteLength > this.limits.maxValueBytes) {
      throw new RangeError(
        `value of ${value.byteLength} bytes is over the ${this.limits.maxValueBytes}-byte limit`,
      );
    }
  }

  private info(state: OwnerState): OwnerInfo {
    return {
      owner: state.owner,
      generation: state.generation,
      maxVersion: state.maxVersion,
      heartbeat: state.heartbeat,
      keys: state.liveCount(),
      deadSince: state.deadSince >= 0 ? state.deadSince : null,
    };
  }
}
