import type { Rng } from "@grapevine/protocol";
import type { Entry } from "./entry.js";
import type { OwnerState } from "./owner-state.js";
import { deltaEntrySizeOf, embeddedSize, ownerDeltaHeaderSize, utf8Length } from "./size.js";
import type { OwnerDelta } from "./wire.js";

/** An owner delta cut to a budget, with its estimated size. */
export interface DeltaCut {
  readonly delta: OwnerDelta;
  /** Upper bound of its encoded size, embedded ({@link ownerDeltaSize}). */
  readonly size: number;
  /** Whether it carries every entry after `fromVersion` (it was not cut short). */
  readonly complete: boolean;
}

/**
 * Cuts the delta of `state` for a peer holding it up to `fromVersion`: the current entries with a
 * higher version, in increasing version order, as many as fit `budgetBytes`.
 *
 * The result is always a valid prefix: its `maxVersion` is the owner's when every entry fits, else
 * the version of the last entry included, and a receiver that applies it holds the owner exactly up
 * to `maxVersion`. A `reset` delta (from 0, the receiver drops what it held) must reach the owner's
 * collection `floor`, or the receiver would still be below it and be reset again forever; when it
 * cannot, nothing is returned. Also returns `null` when not even one entry fits.
 */
export function cutOwnerDelta(
  state: OwnerState,
  fromVersion: number,
  reset: boolean,
  budgetBytes: number,
): DeltaCut | null {
  const header = ownerDeltaHeaderSize(
    state.owner,
    state.generation,
    fromVersion,
    state.heartbeat,
    state.maxVersion,
  );
  if (embeddedSize(header) > budgetBytes) return null;
  const entries: Entry[] = [];
  let body = header;
  let complete = true;
  let lastVersion = fromVersion;
  const end = state.logLength;
  for (let i = state.firstAfter(fromVersion); i < end; i++) {
    const entry = state.at(i);
    if (!state.isCurrentLogEntry(entry)) continue;
    const size = deltaEntrySizeOf(utf8Length(entry.key), entry.value.byteLength, entry.version);
    if (embeddedSize(body + size) > budgetBytes) {
      complete = false;
      break;
    }
    body += size;
    entries.push(entry);
    lastVersion = entry.version;
  }
  if (!complete && entries.length === 0) return null;
  const maxVersion = complete ? state.maxVersion : lastVersion;
  if (reset && maxVersion < state.floor) return null;
  return {
    delta: {
      owner: state.owner,
      generation: state.generation,
      fromVersion,
      reset,
      heartbeat: state.heartbeat,
      maxVersion,
      entries,
    },
    size: embeddedSize(body),
    complete,
  };
}

/** An owner a peer is behind on, and from where it needs to be sent. */
export interface DeltaCandidate {
  readonly state: OwnerState;
  /** Version the peer holds (0 for a reset or an owner it lacks). */
  readonly fromVersion: number;
  /** Whether the peer must drop what it holds first. */
  readonly reset: boolean;
}

/**
 * Fills `budgetBytes` with deltas for `candidates` in scuttle-depth order (Scuttlebutt §3.2): the
 * owners the peer is most behind on (most versions missing) first, ties broken uniformly at random
 * so that, when the budget is short, no owner is starved by a fixed order. Ties are drawn lazily (a
 * partial Fisher-Yates shuffle per group), so the RNG is used only for the owners actually tried.
 * An owner whose next entry does not fit is skipped, so one large value cannot block the owners
 * after it. `onResetTooLarge` is told of resets that would not fit even an empty budget.
 */
export function fillDeltas(
  candidates: readonly DeltaCandidate[],
  budgetBytes: number,
  rng: Rng,
  onResetTooLarge: (state: OwnerState) => void,
): OwnerDelta[] {
  const groups = new Map<number, DeltaCandidate[]>();
  for (const candidate of candidates) {
    const behind = candidate.state.maxVersion - candidate.fromVersion;
    const group = groups.get(behind);
    if (group === undefined) groups.set(behind, [candidate]);
    else group.push(candidate);
  }
  const depths = [...groups.keys()].sort((a, b) => b - a);
  const out: OwnerDelta[] = [];
  let remaining = budgetBytes;
  for (const depth of depths) {
    const group = groups.get(depth)!;
    for (let left = group.length; left > 0; left--) {
      if (remaining < MIN_OWNER_DELTA_BYTES) return out;
      const pick = Math.min(left - 1, Math.floor(rng.next() * left));
      const { state, fromVersion, reset } = group[pick]!;
      group[pick] = group[left - 1]!;
      const cut = cutOwnerDelta(state, fromVersion, reset, remaining);
      if (cut === null) {
        if (reset && remaining === budgetBytes) onResetTooLarge(state);
        continue;
      }
      out.push(cut.delta);
      remaining -= cut.size;
    }
  }
  return out;
}

/** No owner delta can be estimated below this (empty owner name, all-zero fields). */
const MIN_OWNER_DELTA_BYTES = ownerDeltaHeaderSize("", 0, 0, 0, 0) + 3;
