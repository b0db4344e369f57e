/**
 * `pnpm bench state`: the scuttlebutt state layer (`@grapevine/state`). One JSON line per case:
 * digests of 1,000 and 10,000 owners, answering a stale digest, applying a full-MTU delta, and the
 * memory held per entry at 10,000 owners x 10 keys.
 */
import {
  ClusterState,
  type DeltaEntry,
  type DigestEntry,
  deltaSize,
  digestSize,
  type OwnerDelta,
  type Rng,
} from "@grapevine/state";
import { forcedGc, heapAfterGc, measure, report } from "../measure.js";

/** Entry budget of one 1400-byte packet, less envelope and message framing. */
const BUDGET = 1400 - 32;

function seeded(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

const VALUE = new TextEncoder().encode("value-0123456789");

function ownerName(i: number): string {
  return `node-${String(i).padStart(5, "0")}`;
}

/** A full-state delta of `owner`: `keys` keys at versions `1..keys` (fresh key strings). */
function fullDelta(owner: string, keys: number, generation = 1): OwnerDelta {
  const entries: DeltaEntry[] = [];
  for (let k = 0; k < keys; k++) {
    entries.push({ key: `key-${k}`, value: VALUE, version: k + 1, tombstone: false });
  }
  return {
    owner,
    generation,
    fromVersion: 0,
    reset: false,
    heartbeat: 0,
    maxVersion: keys,
    entries,
  };
}

/** A node holding `owners` owners with `keys` keys each. */
function holding(owners: number, keys: number): ClusterState {
  const state = new ClusterState({ self: "bench", generation: 1, rng: seeded(1) });
  const deltas: OwnerDelta[] = [];
  for (let i = 0; i < owners; i++) deltas.push(fullDelta(ownerName(i), keys));
  state.apply(deltas, 0);
  return state;
}

function benchDigest(owners: number): void {
  const state = holding(owners, 10);
  const slice = state.digest(BUDGET);
  report({
    suite: "state",
    case: `digest-${owners}`,
    owners,
    budgetBytes: BUDGET,
    entriesPerDigest: slice.entries.length,
    complete: slice.complete,
    ops_per_s: measure(() => state.digest(BUDGET)),
  });
  const whole = state.digest(Number.MAX_SAFE_INTEGER);
  report({
    suite: "state",
    case: `digest-${owners}-complete`,
    owners,
    bytes: digestSize(whole.entries),
    ops_per_s: measure(() => state.digest(Number.MAX_SAFE_INTEGER), { samples: 3 }),
  });
}

function benchStaleDigest(owners: number, complete: boolean): void {
  const state = holding(owners, 10);
  // The peer holds every owner, 5 versions behind; a slice digest when it does not fit a packet.
  const stale: DigestEntry[] = [];
  for (let i = 0; i < owners; i++)
    stale.push({ owner: ownerName(i), generation: 1, maxVersion: 5 });
  stale.push({ owner: "bench", generation: 1, maxVersion: 0 });
  stale.sort((a, b) => (a.owner < b.owner ? -1 : 1));
  const peerDigest = complete ? stale : stale.slice(0, Math.floor(BUDGET / 25));
  const sample = state.deltaFor(peerDigest, complete, BUDGET);
  report({
    suite: "state",
    case: `delta-for-stale-digest-${owners}${complete ? "-complete" : "-slice"}`,
    owners,
    digestEntries: peerDigest.length,
    budgetBytes: BUDGET,
    deltaBytes: deltaSize(sample),
    ownersInDelta: sample.length,
    entriesInDelta: sample.reduce((n, d) => n + d.entries.length, 0),
    ops_per_s: measure(() => state.deltaFor(peerDigest, complete, BUDGET)),
  });
}

function benchApply(): void {
  // A chain of full-MTU increments of one owner: each overwrites keys with new versions; every
  // `chain` applications the owner restarts (new generation from 0) so the chain can repeat.
  const writer = new ClusterState({ self: "writer", generation: 1, rng: seeded(2) });
  const chain: OwnerDelta[] = [];
  let after = 0;
  for (let round = 0; round < 200; round++) {
    for (let k = 0; k < 40; k++) writer.set(`key-${k}`, VALUE.subarray(0, 8 + (round % 8)), 0);
    while (after < writer.version) {
      const delta = writer.localDelta(after, BUDGET)!;
      chain.push(delta);
      after = delta.maxVersion;
    }
  }
  const full = chain.filter((d) => deltaSize([d]) > BUDGET * 0.9);
  const entries = full.reduce((n, d) => n + d.entries.length, 0) / full.length;
  const receiver = new ClusterState({ self: "receiver", generation: 1, rng: seeded(3) });
  let generation = 1;
  let applied = 0;
  const ops_per_s = measure((i) => {
    const delta = chain[i % chain.length]!;
    if (i % chain.length === 0) generation += 1;
    const result = receiver.apply([{ ...delta, generation }], i);
    applied += result.changes.length;
    return result;
  });
  report({
    suite: "state",
    case: "apply-full-mtu-delta",
    budgetBytes: BUDGET,
    entriesPerDelta: Math.round(entries * 10) / 10,
    ops_per_s,
    entries_per_s: Math.round(ops_per_s * entries),
    changesSeen: applied > 0,
  });
}

function benchMemory(): void {
  const owners = 10_000;
  const keys = 10;
  const gc = forcedGc();
  const build = (): ClusterState => {
    const state = new ClusterState({ self: "bench", generation: 1, rng: seeded(4) });
    for (let i = 0; i < owners; i++) state.apply([fullDelta(ownerName(i), keys)], 0);
    return state;
  };
  // Everything the state keeps is allocated between the two readings: entries, maps, version
  // logs, owner records, and the key and owner-name strings as a decoder would hand them over
  // (fresh strings). The deltas themselves are garbage by the second reading. Values are one
  // shared buffer allocated before, so value bytes are excluded (they are the application's).
  const before = heapAfterGc(gc);
  const state = build();
  const after = heapAfterGc(gc);
  const entries = state.owners().reduce((n, o) => n + o.keys, 0);
  report({
    suite: "state",
    case: "memory-per-entry",
    owners,
    keysPerOwner: keys,
    heldEntries: entries,
    bytesPerEntry: Math.round((after - before) / entries),
    method: gc
      ? "process.memoryUsage().heapUsed difference around building the state, after forced full GCs (gc exposed through v8.setFlagsFromString('--expose-gc')); includes key and owner-name strings, excludes value bytes (one shared buffer)"
      : "process.memoryUsage().heapUsed difference around building the state, without forced GC (noisy)",
  });
  if (state.version < 0) console.log("unreachable: keeps the state alive until measured");
}

/** Runs every state benchmark case. */
export default async function run(_args: string[]): Promise<void> {
  benchDigest(1_000);
  benchDigest(10_000);
  benchStaleDigest(1_000, true);
  benchStaleDigest(10_000, false);
  benchApply();
  benchMemory();
}
