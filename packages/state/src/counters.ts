/**
 * Why a peer's owner delta was refused. A refused delta changes nothing held.
 * - `self`: it is about this node; only this node writes its own keys.
 * - `stale-generation`: its generation is older than the one held (the owner has restarted since).
 * - `dropped-owner`: it is about an owner declared dead and dropped, at a generation not newer than
 *   the dropped one (a late echo must not resurrect it).
 * - `non-monotonic`: versions not strictly increasing, not above `fromVersion`, or above
 *   `maxVersion`; or `maxVersion` below `fromVersion`; or a version that is not a positive integer.
 * - `malformed`: a `reset` that does not start at version 0, or a generation or heartbeat that is
 *   not a non-negative integer.
 * - `key-too-large`, `value-too-large`: an entry over {@link StateLimits}.
 */
export type RejectReason =
  | "self"
  | "stale-generation"
  | "dropped-owner"
  | "non-monotonic"
  | "malformed"
  | "key-too-large"
  | "value-too-large";

/** Every {@link RejectReason}, for iterating counters. */
export const REJECT_REASONS: readonly RejectReason[] = [
  "self",
  "stale-generation",
  "dropped-owner",
  "non-monotonic",
  "malformed",
  "key-too-large",
  "value-too-large",
];

import type { SelfClaimReason } from "./self-claims.js";

/** Running totals kept by a `ClusterState`, for metrics. All are counts since construction. */
export interface StateCounters {
  /** Owner deltas applied (they advanced what is held). */
  applied: number;
  /** Entries stored from applied deltas. */
  entriesApplied: number;
  /** Owner deltas that brought nothing new (already held): normal with gossip. */
  duplicates: number;
  /**
   * Owner deltas not applied because they start beyond what is held (a piggy-backed update that
   * overtook its predecessors): not an error, anti-entropy fills the gap.
   */
  gaps: number;
  /** Owner deltas refused, per reason. */
  rejected: Record<RejectReason, number>;
  /**
   * Claims about this node's own state that it did not make, refuted by moving its generation
   * above them and announcing its state again (as SWIM refutes a suspicion), per reason.
   */
  selfRefutations: Record<SelfClaimReason, number>;
  /** Tombstones collected after their grace period. */
  tombstonesCollected: number;
  /** Owners dropped after their dead grace period or replaced by a newer generation. */
  ownersDropped: number;
  /** Reset deltas built (a peer was behind collected tombstones or on an older generation). */
  resetsSent: number;
  /**
   * Times an owner could not be sent from scratch because its entries up to the collection floor
   * did not fit in an empty budget: that owner must travel over the stream channel (push-pull).
   */
  resetsTooLarge: number;
}

/** Fresh zeroed {@link StateCounters}. */
export function emptyStateCounters(): StateCounters {
  return {
    applied: 0,
    entriesApplied: 0,
    duplicates: 0,
    gaps: 0,
    rejected: {
      self: 0,
      "stale-generation": 0,
      "dropped-owner": 0,
      "non-monotonic": 0,
      malformed: 0,
      "key-too-large": 0,
      "value-too-large": 0,
    },
    selfRefutations: { generation: 0, version: 0, reset: 0, entry: 0 },
    tombstonesCollected: 0,
    ownersDropped: 0,
    resetsSent: 0,
    resetsTooLarge: 0,
  };
}

/**
 * Fresh zeroed state counters.
 * @deprecated Use {@link emptyStateCounters}; `emptyCounters` of `@grapevine/cluster` and of
 * `@grapevine/transport-memory` make other counters.
 */
export const emptyCounters: () => StateCounters = emptyStateCounters;
