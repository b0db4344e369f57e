import type { OwnerRing } from "./owner-ring.js";
import type { OwnerState } from "./owner-state.js";
import { digestEntrySize } from "./size.js";
import type { DigestEntry } from "./wire.js";

/**
 * A scuttlebutt digest (Scuttlebutt §3.1): for each owner, the generation and highest version held.
 * `complete` is false when the digest did not fit its budget and holds only a slice of the owners.
 */
export interface Digest {
  readonly entries: DigestEntry[];
  readonly complete: boolean;
}

/** A digest slice and where the next slice starts. */
export interface DigestSlice {
  readonly digest: Digest;
  /** Owner name at which the next slice should start (the rotation cursor). */
  readonly nextCursor: string;
}

/**
 * Builds a digest of the owners in `ring`, within `budgetBytes` (sum of {@link digestEntrySize}).
 *
 * When every owner fits, the digest is complete. Otherwise it is a rotating slice: the owners from
 * `cursor` onwards in ring order, wrapping around, as many as fit; the next call starts where this
 * one stopped, so every owner is covered within `ceil(owners / perSlice)` digests. Because a slice
 * is contiguous in name order, a receiver can tell which owners it covers (see
 * {@link coveredRange}) and so which of them the sender lacks.
 */
export function buildDigest(
  ring: OwnerRing,
  owners: ReadonlyMap<string, OwnerState>,
  cursor: string,
  budgetBytes: number,
): DigestSlice {
  const count = ring.size;
  const entries: DigestEntry[] = [];
  if (count === 0) return { digest: { entries, complete: true }, nextCursor: cursor };
  const start = ring.lowerBound(cursor) % count;
  let used = 0;
  let taken = 0;
  for (; taken < count; taken++) {
    const name = ring.at((start + taken) % count);
    const state = owners.get(name)!;
    // An owner that never wrote anything has nothing to reconcile: leaving it out is the same as
    // "holds nothing" to the receiver, and keeps the digests of a key-less cluster empty.
    if (state.maxVersion === 0) continue;
    const size = digestEntrySize(name, state.generation, state.maxVersion);
    if (used + size > budgetBytes) break;
    used += size;
    entries.push({ owner: name, generation: state.generation, maxVersion: state.maxVersion });
  }
  const complete = taken === count;
  return {
    digest: { entries, complete },
    nextCursor: complete ? cursor : ring.at((start + taken) % count),
  };
}

/**
 * The owner names an incomplete digest covers: every name `n` with `first <= n <= last`, or, when
 * the slice wrapped around the end of the ring, `n >= first || n <= last`. Any owner in that range
 * missing from the digest is one its sender does not hold.
 */
export interface CoveredRange {
  readonly first: string;
  readonly last: string;
  readonly wraps: boolean;
}

/**
 * Works out the range of owner names covered by a digest slice built by {@link buildDigest}: names
 * ascending, with at most one wrap-around. Returns `null` for an empty digest or one not in that
 * order (from an implementation that slices differently), about which nothing may be assumed.
 */
export function coveredRange(entries: readonly DigestEntry[]): CoveredRange | null {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first === undefined || last === undefined) return null;
  let wraps = false;
  for (let i = 1; i < entries.length; i++) {
    if (entries[i - 1]!.owner < entries[i]!.owner) continue;
    if (wraps) return null;
    wraps = true;
  }
  if (wraps && !(last.owner < first.owner)) return null;
  return { first: first.owner, last: last.owner, wraps };
}

/** Calls `visit` with every owner of `ring` inside `range`, in ring order. */
export function forEachInRange(
  ring: OwnerRing,
  range: CoveredRange,
  visit: (owner: string) => void,
): void {
  const from = ring.lowerBound(range.first);
  const to = upperBound(ring, range.last);
  if (!range.wraps) {
    for (let i = from; i < to; i++) visit(ring.at(i));
    return;
  }
  for (let i = from; i < ring.size; i++) visit(ring.at(i));
  for (let i = 0; i < to; i++) visit(ring.at(i));
}

function upperBound(ring: OwnerRing, name: string): number {
  const at = ring.lowerBound(name);
  return at < ring.size && ring.at(at) === name ? at + 1 : at;
}

/**
 * A 32-bit summary of everything a full digest would list: a sum over owners with state
 * (`maxVersion > 0`, as in {@link buildDigest}) of a hash of (name, generation, maxVersion). A sum
 * does not depend on the order owners are held in, so two nodes holding the same owners at the same
 * versions compute the same value; any difference in a held version almost surely changes it.
 * Never 0, which stands for "no hash" on the wire. Not a security measure: a collision only delays
 * a repair until the next change.
 */
export function digestHash(owners: Iterable<OwnerState>): number {
  let sum = 0;
  for (const state of owners) {
    if (state.maxVersion === 0) continue;
    sum = (sum + ownerHash(state.owner, state.generation, state.maxVersion)) | 0;
  }
  return sum === 0 ? 1 : sum >>> 0;
}

/** FNV-1a over the name's UTF-16 code units, then both numbers (as two 32-bit halves each). */
function ownerHash(name: string, generation: number, maxVersion: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  for (const n of [generation, maxVersion]) {
    h = Math.imul(h ^ (n >>> 0), 0x01000193);
    h = Math.imul(h ^ Math.floor(n / 0x1_0000_0000), 0x01000193);
  }
  // A final avalanche (murmur3's fmix32), so that sums of nearby values do not cancel.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
