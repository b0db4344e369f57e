/**
 * `@grapevine/state`: versioned per-node key-value state, reconciled by scuttlebutt digests and
 * deltas (van Renesse et al. 2008) and by piggy-backed updates. Sans-IO: no clock, timers, random
 * globals or I/O; every entry point is synchronous and takes `now` (ms).
 */
export type { StateChange } from "./changes.js";
export {
  type ApplyResult,
  ClusterState,
  type ClusterStateOptions,
  type OwnedEntry,
  type OwnerInfo,
  type Rejection,
  type TickResult,
} from "./cluster-state.js";
export {
  emptyCounters,
  emptyStateCounters,
  REJECT_REASONS,
  type RejectReason,
  type StateCounters,
} from "./counters.js";
export type { Digest } from "./digest.js";
export { EMPTY_VALUE, type StateEntry, type VersionedValue } from "./entry.js";
export { compareHlc, type HlcTimestamp, HybridClock, MAX_LOGICAL } from "./hlc.js";
export {
  DEFAULT_DEAD_OWNER_GRACE_MS,
  DEFAULT_LIMITS,
  DEFAULT_STATE_LIMITS,
  DEFAULT_TOMBSTONE_GRACE_MS,
  type StateLimits,
} from "./limits.js";
export type { Rng } from "./rng.js";
export {
  deltaSelfClaim,
  digestSelfClaim,
  MAX_GENERATION,
  SELF_CLAIM_REASONS,
  type SelfClaimReason,
} from "./self-claims.js";
export { sharedEntryHash } from "./shared-hash.js";
export {
  ClockDriftError,
  compareEntries,
  DEFAULT_MAX_CLOCK_DRIFT_MS,
  type SharedChange,
  type SharedCounters,
  SharedKeyspace,
  type SharedKeyspaceOptions,
  type SharedMergeResult,
  type SharedSnapshot,
  sharedEntrySize,
} from "./shared-keys.js";
export {
  deltaEntrySize,
  deltaSize,
  digestEntrySize,
  digestSize,
  FIELD_TAG_BYTES,
  framingGrowth,
  ownerDeltaSize,
  utf8Length,
  varintSize,
} from "./size.js";
export type { LocalSnapshot } from "./snapshot.js";
export type { DeltaEntry, DigestEntry, OwnerDelta, SharedEntry } from "./wire.js";
