import type { OwnerDelta } from "@grapevine/codec";
import type { ClusterState, LocalSnapshot, StateChange } from "@grapevine/state";
import type { NodeCounters } from "./counters.js";
import type { Dissemination } from "./dissemination.js";
import type { ClusterEvent } from "./events.js";

/** What {@link StateSync} needs of the core it serves. */
export interface StateSyncHost {
  readonly state: ClusterState;
  readonly dissemination: Dissemination;
  readonly counters: NodeCounters;
  /** Room for a piggy-backed state delta, bytes. */
  readonly deltaBudget: number;
  /** The shorter of the tombstone and dead-owner grace periods, ms. */
  readonly graceMs: number;
  emit(event: ClusterEvent): void;
  /** Asks for {@link StateSync.tick} at `at` (a stale request carries an old `at`). */
  scheduleTick(at: number): void;
}

/**
 * The state store as the node core drives it: local writes become piggy-backed deltas, peers'
 * deltas are applied (and passed on when they were news), every visible change becomes a
 * `key-changed` event, and the store's housekeeping runs exactly when it says it next has work
 * (`nextTickAt`), never by polling.
 */
export class StateSync {
  private tickAt = Infinity;

  constructor(private readonly host: StateSyncHost) {}

  /** A local write or delete happened: queue its delta and report it. */
  localChange(change: StateChange, now: number): void {
    const { state, dissemination, deltaBudget } = this.host;
    const delta = state.localDelta(change.version - 1, deltaBudget);
    if (delta) dissemination.enqueueStateDelta(delta);
    this.emitChanges([change], now);
    this.wantTick(now + this.host.graceMs);
  }

  /** Our keys came back from a snapshot: report them and queue them whole. */
  restored(snapshot: LocalSnapshot, now: number): void {
    const { state, dissemination, deltaBudget } = this.host;
    this.emitChanges(state.restore(snapshot, now), now);
    const delta = state.localDelta(0, deltaBudget);
    if (delta) dissemination.enqueueStateDelta(delta);
    this.wantTick(now + this.host.graceMs);
  }

  /**
   * Applies a peer's deltas. With `regossip` (infection-style deltas, not anti-entropy answers),
   * the deltas that were news are passed on a bounded number of times.
   */
  apply(delta: readonly OwnerDelta[], now: number, regossip: boolean): void {
    if (delta.length === 0) return;
    const { state, counters, dissemination } = this.host;
    const result = state.apply(delta, now);
    // Our own deltas echoed back by peers are normal gossip, not something to count as dropped.
    for (const r of result.rejected) if (r.reason !== "self") counters.drops["rejected-state"] += 1;
    this.emitChanges(result.changes, now);
    this.wantTick(now + this.host.graceMs);
    if (!regossip || result.changes.length === 0) return;
    const news = new Set(result.changes.map((c) => c.owner));
    for (const d of delta) if (news.has(d.owner)) dissemination.enqueueStateDelta(d);
  }

  /**
   * After a peer claimed something about our own state that we did not write, the store moved our
   * generation above the claim: announce our whole state again, so the claim is replaced on every
   * peer (as SWIM re-announces `alive` after refuting a suspicion).
   */
  reannounceIfRefuted(): void {
    const { state, dissemination, deltaBudget } = this.host;
    if (!state.takeRefuted()) return;
    const delta = state.announcement(deltaBudget);
    if (delta) dissemination.enqueueStateDelta(delta);
  }

  /** Follows a membership event about another member (`join`, `update`, `dead`, `left`, ...). */
  memberChanged(owner: string, type: string, generation: number, at: number): void {
    if (type === "dead" || type === "left") this.ownerDead(owner, at);
    else if (type === "join" || type === "update") this.ownerAlive(owner, at, generation);
  }

  /** The membership declared `owner` dead (or left) at `at`. */
  ownerDead(owner: string, at: number): void {
    this.host.state.markOwnerDead(owner, at);
    this.wantTick(at + this.host.graceMs);
  }

  /** The membership sees `owner` alive at `generation`. */
  ownerAlive(owner: string, at: number, generation: number): void {
    this.emitChanges(this.host.state.markOwnerAlive(owner, at, generation), at);
  }

  /** The store's housekeeping, if `at` is still the tick asked for. */
  tick(at: number, now: number): void {
    if (at !== this.tickAt) return;
    this.tickAt = Infinity;
    const result = this.host.state.tick(now);
    this.emitChanges(result.changes, now);
    if (result.nextTickAt !== null) this.wantTick(Math.max(now + 1, result.nextTickAt));
  }

  /** Asks for a tick at `at` unless one is due sooner (new work is never due before `at`). */
  private wantTick(at: number): void {
    if (at >= this.tickAt) return;
    this.tickAt = at;
    this.host.scheduleTick(at);
  }

  private emitChanges(changes: readonly StateChange[], now: number): void {
    for (const c of changes) {
      this.host.counters.keysChanged += 1;
      this.host.emit({
        type: "key-changed",
        owner: c.owner,
        key: c.key,
        oldValue: c.previous?.value,
        newValue: c.current?.value,
        version: c.version,
        at: now,
      });
    }
  }
}
