import type { StateChange } from "./changes.js";
import type { StateCounters } from "./counters.js";
import { recordChange } from "./merge.js";
import { OwnerRing } from "./owner-ring.js";
import { OwnerState } from "./owner-state.js";

/** An owner dropped after its dead grace period: remembered so a late echo cannot resurrect it. */
export interface DroppedOwner {
  readonly generation: number;
  /** When it was dropped, ms. */
  readonly at: number;
}

/**
 * Every owner a node holds, and their lifecycle as the membership layer reports it: held, declared
 * dead (kept and still updated for a grace period), dropped (remembered for a grace period, so a
 * late delta of the same or an older generation is refused rather than bringing it back).
 *
 * Owners are found by name in {@link states}, and walked in name order in {@link ring} (the order
 * digests are sliced in).
 */
export class OwnerTable {
  /** Owners held, by name (insertion order). */
  readonly states = new Map<string, OwnerState>();
  /** The same owners' names, in name order. */
  readonly ring = new OwnerRing();
  private readonly dead = new Map<string, OwnerState>();
  private readonly dropped = new Map<string, DroppedOwner>();
  private readonly counters: StateCounters;

  constructor(counters: StateCounters) {
    this.counters = counters;
  }

  /** Owners held plus owners dropped and still remembered. */
  get known(): number {
    return this.states.size + this.dropped.size;
  }

  /** The state held for `owner`, if any. */
  get(owner: string): OwnerState | undefined {
    return this.states.get(owner);
  }

  /** The marker of `owner` if it was dropped and is still remembered. */
  droppedMarker(owner: string): DroppedOwner | undefined {
    return this.dropped.get(owner);
  }

  /** Starts holding `owner` at `generation`, forgetting any drop marker of it. */
  create(owner: string, generation: number): OwnerState {
    this.dropped.delete(owner);
    const fresh = new OwnerState(owner, generation);
    this.states.set(owner, fresh);
    this.ring.insert(owner);
    return fresh;
  }

  /** See `ClusterState.markOwnerDead`; `local` is this node's own state, never marked. */
  markDead(owner: string, now: number, local: OwnerState): void {
    const state = this.states.get(owner);
    if (state === undefined || state === local || state.deadSince >= 0) return;
    state.deadSince = now;
    this.dead.set(owner, state);
  }

  /** See `ClusterState.markOwnerAlive`; `local` is this node's own state, never marked. */
  markAlive(
    owner: string,
    now: number,
    generation: number | undefined,
    local: OwnerState,
  ): StateChange[] {
    const changes: StateChange[] = [];
    const marker = this.dropped.get(owner);
    if (marker !== undefined && (generation === undefined || generation >= marker.generation)) {
      this.dropped.delete(owner);
    }
    const state = this.states.get(owner);
    if (state === undefined || state === local) return changes;
    state.deadSince = -1;
    this.dead.delete(owner);
    if (generation !== undefined && generation > state.generation) {
      this.drop(state, now, changes);
    }
    return changes;
  }

  /**
   * Drops owners dead for longer than `graceMs` and forgets drop markers older than `graceMs`,
   * appending the keys that disappeared to `changes`. Returns when this next has work to do (ms),
   * Infinity if never.
   */
  expire(now: number, graceMs: number, changes: StateChange[]): number {
    let next = Infinity;
    for (const state of [...this.dead.values()]) {
      const dropAt = state.deadSince + graceMs;
      if (dropAt <= now) this.drop(state, now, changes);
      else next = Math.min(next, dropAt);
    }
    for (const [owner, marker] of this.dropped) {
      const forgetAt = marker.at + graceMs;
      if (forgetAt <= now) this.dropped.delete(owner);
      else next = Math.min(next, forgetAt);
    }
    return next;
  }

  /** Stops holding `state`'s owner, remembering the drop; its keys are appended to `changes`. */
  private drop(state: OwnerState, now: number, changes: StateChange[]): void {
    this.states.delete(state.owner);
    this.ring.remove(state.owner);
    this.dead.delete(state.owner);
    this.dropped.set(state.owner, { generation: state.generation, at: now });
    this.counters.ownersDropped += 1;
    for (const entry of state.current()) {
      recordChange(changes, state.owner, entry.key, entry, undefined);
    }
  }
}
