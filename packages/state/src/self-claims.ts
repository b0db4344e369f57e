import { sameBytes } from "./merge.js";
import type { OwnerState } from "./owner-state.js";
import type { DigestEntry, OwnerDelta } from "./wire.js";

/**
 * Why a claim about this node's own state was refuted:
 * - `generation`: a generation above ours (a forgery, or an older self with a faster clock);
 * - `version`: our generation with versions above any we wrote;
 * - `reset`: a reset beyond what we wrote;
 * - `entry`: a key, value or tombstone at a version we never wrote it at.
 */
export type SelfClaimReason = "generation" | "version" | "reset" | "entry";

/** Every {@link SelfClaimReason}, for iterating counters. */
export const SELF_CLAIM_REASONS: readonly SelfClaimReason[] = [
  "generation",
  "version",
  "reset",
  "entry",
];

/**
 * Highest generation a delta or digest may carry (2^52). A node refutes a claim by moving one
 * generation above it, so a claim at the largest safe integer could never be outbid: such input is
 * refused as malformed everywhere instead. Wall-clock milliseconds, the default generation, stay
 * far below it.
 */
export const MAX_GENERATION = 2 ** 52;

/**
 * Whether a peer's delta about this node (`local`) claims something this node did not write, and
 * what. An older generation is our older self: stale, not a claim. Entries at or below the
 * collection floor cannot be checked (their tombstones are gone) and are let through; so is a
 * stale echo of a key we have written since. A delta that lacks one of our current entries inside
 * its version range claims that something else was written there.
 */
export function deltaSelfClaim(local: OwnerState, delta: OwnerDelta): SelfClaimReason | null {
  if (delta.generation > local.generation) return "generation";
  if (delta.generation < local.generation) return null;
  if (delta.maxVersion > local.maxVersion) return delta.reset ? "reset" : "version";
  const versions = new Set<number>();
  for (const entry of delta.entries) {
    versions.add(entry.version);
    if (entry.version <= local.floor) continue;
    const held = local.get(entry.key);
    // Had we written this key at this version, what we hold of it would be at least as recent.
    if (held === undefined || held.version < entry.version) return "entry";
    if (held.version > entry.version) continue;
    if (held.tombstone !== entry.tombstone || !sameBytes(held.value, entry.value)) return "entry";
  }
  // A delta carries every current entry in (fromVersion, maxVersion]: one of ours missing there
  // means the peer holds something else at that version, which we never wrote.
  const from = Math.max(delta.fromVersion, local.floor);
  for (let i = local.firstAfter(from); i < local.logLength; i++) {
    const entry = local.at(i);
    if (entry.version > delta.maxVersion) break;
    if (local.isCurrentLogEntry(entry) && !versions.has(entry.version)) return "entry";
  }
  return null;
}

/** Whether a digest entry about this node claims more than this node wrote. */
export function digestSelfClaim(local: OwnerState, entry: DigestEntry): SelfClaimReason | null {
  if (entry.generation >= MAX_GENERATION) return null;
  if (entry.generation > local.generation) return "generation";
  if (entry.generation === local.generation && entry.maxVersion > local.maxVersion) {
    return "version";
  }
  return null;
}
