import type { StateChange } from "./changes.js";
import { EMPTY_VALUE, Entry, ownValue } from "./entry.js";
import type { OwnerState } from "./owner-state.js";
import type { TombstoneQueue } from "./tombstone-queue.js";
import type { DeltaEntry, OwnerDelta } from "./wire.js";

/** Where a merge reports what it did: visible changes, and new tombstones to collect later. */
export interface MergeSink {
  readonly changes: StateChange[];
  readonly tombstones: TombstoneQueue;
  /** Current time (ms): when new tombstones start their grace period. */
  readonly now: number;
}

/** Appends the change from `previous` to `current` of one key, if anything visible changed. */
export function recordChange(
  changes: StateChange[],
  owner: string,
  key: string,
  previous: Entry | undefined,
  current: Entry | undefined,
): void {
  const before = previous === undefined || previous.tombstone ? null : previous;
  const after = current === undefined || current.tombstone ? null : current;
  if (before === null && after === null) return;
  changes.push({ owner, key, previous: before, current: after, version: current?.version ?? 0 });
}

function stored(entry: DeltaEntry): Entry {
  return new Entry(
    entry.key,
    entry.tombstone ? EMPTY_VALUE : ownValue(entry.value),
    entry.version,
    entry.tombstone,
  );
}

/**
 * Applies an increment of the same generation to `state`, which holds it up to `maxVersion >=
 * delta.fromVersion` (checked by the caller, as is the delta's shape): entries at or below what is
 * held are already known (or superseded) and skipped, the others are stored in order, and the held
 * version advances to the delta's `maxVersion` (Scuttlebutt §3: a delta is applied only as a
 * contiguous extension of what is held). Returns the number of entries stored.
 */
export function mergeIncrement(state: OwnerState, delta: OwnerDelta, sink: MergeSink): number {
  let count = 0;
  for (const wire of delta.entries) {
    if (wire.version <= state.maxVersion) continue;
    const entry = stored(wire);
    const previous = state.write(entry);
    count += 1;
    recordChange(sink.changes, state.owner, entry.key, previous, entry);
    if (entry.tombstone) sink.tombstones.push(state, entry, sink.now);
  }
  if (delta.maxVersion > state.maxVersion) state.maxVersion = delta.maxVersion;
  if (delta.heartbeat > state.heartbeat) state.heartbeat = delta.heartbeat;
  return count;
}

/**
 * Replaces everything held of `state` by the delta's entries (a new generation, a reset, or an
 * owner not held before), reporting the difference key by key. A key whose write is unchanged (same
 * version and bytes) reports nothing. `floor` is the collection floor to assume from now on: for a
 * reset, the sender may have collected tombstones up to the delta's `maxVersion`, which this
 * replica must not pass on as increments to peers below it. Returns the number of entries stored.
 */
export function replaceWholesale(
  state: OwnerState,
  delta: OwnerDelta,
  floor: number,
  sink: MergeSink,
): number {
  const before = state.current();
  state.clear();
  state.generation = delta.generation;
  state.maxVersion = 0;
  state.heartbeat = delta.heartbeat;
  for (const wire of delta.entries) {
    const entry = stored(wire);
    state.write(entry);
    if (entry.tombstone) sink.tombstones.push(state, entry, sink.now);
  }
  state.maxVersion = delta.maxVersion;
  state.floor = floor;
  for (const old of before) {
    const now = state.get(old.key);
    if (now !== undefined && now.version === old.version && sameBytes(now.value, old.value)) {
      continue;
    }
    recordChange(sink.changes, state.owner, old.key, old, now);
  }
  const held = new Set(before.map((e) => e.key));
  for (const entry of state.current()) {
    if (!held.has(entry.key)) recordChange(sink.changes, state.owner, entry.key, undefined, entry);
  }
  return delta.entries.length;
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
