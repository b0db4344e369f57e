import type { DeltaCandidate } from "./delta.js";
import { coveredRange, forEachInRange } from "./digest.js";
import type { OwnerTable } from "./owner-table.js";
import type { DigestEntry } from "./wire.js";

/**
 * What a peer lacks, from its digest (Scuttlebutt §3.1): for each owner held, where the peer's
 * delta should start. See `ClusterState.deltaFor` for the rules. Owners the peer's digest names
 * come first, in its order; then owners it lacks, in name order.
 */
export function deltaCandidates(
  owners: OwnerTable,
  peerDigest: readonly DigestEntry[],
  complete: boolean,
): DeltaCandidate[] {
  const candidates: DeltaCandidate[] = [];
  const seen = new Set<string>();
  for (const entry of peerDigest) {
    if (seen.has(entry.owner)) continue;
    seen.add(entry.owner);
    const state = owners.get(entry.owner);
    if (state === undefined || entry.generation > state.generation) continue;
    if (entry.generation < state.generation) {
      // A newer generation from 0 replaces what the peer holds; `reset` tells it that
      // tombstones may have been collected here (see `apply`).
      candidates.push({ state, fromVersion: 0, reset: state.floor > 0 });
    } else if (entry.maxVersion < state.floor) {
      candidates.push({ state, fromVersion: 0, reset: true });
    } else if (entry.maxVersion < state.maxVersion) {
      candidates.push({ state, fromVersion: entry.maxVersion, reset: false });
    }
  }
  const offerAbsent = (owner: string): void => {
    if (seen.has(owner)) return;
    const state = owners.get(owner)!;
    if (state.deadSince >= 0 || state.maxVersion === 0) return;
    candidates.push({ state, fromVersion: 0, reset: state.floor > 0 });
  };
  const ring = owners.ring;
  if (complete) {
    for (let i = 0; i < ring.size; i++) offerAbsent(ring.at(i));
  } else {
    const range = coveredRange(peerDigest);
    if (range !== null) forEachInRange(ring, range, offerAbsent);
  }
  return candidates;
}
