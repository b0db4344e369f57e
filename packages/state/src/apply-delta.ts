import type { StateChange } from "./changes.js";
import type { RejectReason, StateCounters } from "./counters.js";
import type { StateLimits } from "./limits.js";
import { type MergeSink, mergeIncrement, replaceWholesale } from "./merge.js";
import type { OwnerState } from "./owner-state.js";
import type { OwnerTable } from "./owner-table.js";
import type { TombstoneQueue } from "./tombstone-queue.js";
import { checkOwnerDelta } from "./validate.js";
import type { OwnerDelta } from "./wire.js";

/** A peer's owner delta that was refused, and why. */
export interface Rejection {
  readonly owner: string;
  readonly reason: RejectReason;
}

/** What `ClusterState.apply` did. */
export interface ApplyResult {
  /** Keys whose visible value changed, in the order they were applied. */
  readonly changes: StateChange[];
  /** Owner deltas refused (nothing of them was applied). */
  readonly rejected: Rejection[];
  /** Owners whose delta started beyond what is held and was set aside (not an error). */
  readonly gaps: string[];
}

/** What applying peers' deltas works on. */
export interface ApplyTarget {
  /** Name of this node: deltas about it are refused. */
  readonly self: string;
  readonly limits: StateLimits;
  readonly owners: OwnerTable;
  readonly tombstones: TombstoneQueue;
  readonly counters: StateCounters;
}

/**
 * Applies owner deltas from a peer, each on its own (see `ClusterState.apply` for the rules), and
 * counts what happened.
 */
export function applyDeltas(
  target: ApplyTarget,
  deltas: readonly OwnerDelta[],
  now: number,
): ApplyResult {
  const changes: StateChange[] = [];
  const rejected: Rejection[] = [];
  const gaps: string[] = [];
  const sink: MergeSink = { changes, tombstones: target.tombstones, now };
  const counters = target.counters;
  for (const delta of deltas) {
    const outcome = applyOne(target, delta, sink);
    if (outcome === "applied" || outcome === "duplicate") continue;
    if (outcome === "gap") {
      counters.gaps += 1;
      gaps.push(delta.owner);
    } else {
      counters.rejected[outcome] += 1;
      rejected.push({ owner: delta.owner, reason: outcome });
    }
  }
  return { changes, rejected, gaps };
}

function applyOne(
  target: ApplyTarget,
  delta: OwnerDelta,
  sink: MergeSink,
): RejectReason | "applied" | "duplicate" | "gap" {
  const reason = checkOwnerDelta(delta, target.self, target.limits);
  if (reason !== null) return reason;
  const owners = target.owners;
  const state = owners.get(delta.owner);
  if (state === undefined) {
    const marker = owners.droppedMarker(delta.owner);
    if (marker !== undefined && delta.generation <= marker.generation) return "dropped-owner";
    if (delta.fromVersion !== 0) return "gap";
    return replaced(target, owners.create(delta.owner, delta.generation), delta, sink);
  }
  if (delta.generation < state.generation) return "stale-generation";
  if (delta.generation > state.generation) {
    if (delta.fromVersion !== 0) return "gap";
    return replaced(target, state, delta, sink);
  }
  if (delta.reset) {
    if (delta.maxVersion <= state.maxVersion) return duplicate(target, state, delta);
    return replaced(target, state, delta, sink);
  }
  if (delta.fromVersion > state.maxVersion) return "gap";
  if (delta.maxVersion <= state.maxVersion) return duplicate(target, state, delta);
  target.counters.entriesApplied += mergeIncrement(state, delta, sink);
  target.counters.applied += 1;
  return "applied";
}

/** A newer generation or a reset: the delta replaces what is held. */
function replaced(
  target: ApplyTarget,
  state: OwnerState,
  delta: OwnerDelta,
  sink: MergeSink,
): "applied" {
  const floor = delta.reset ? delta.maxVersion : 0;
  target.counters.entriesApplied += replaceWholesale(state, delta, floor, sink);
  target.counters.applied += 1;
  return "applied";
}

/** Nothing new, but a higher heartbeat is still news. */
function duplicate(target: ApplyTarget, state: OwnerState, delta: OwnerDelta): "duplicate" {
  if (delta.heartbeat > state.heartbeat) state.heartbeat = delta.heartbeat;
  target.counters.duplicates += 1;
  return "duplicate";
}
