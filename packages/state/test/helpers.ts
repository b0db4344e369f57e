import { type Rng, seededRng } from "@grapevine/protocol";
import {
  ClusterState,
  type ClusterStateOptions,
  type DeltaEntry,
  digestSize,
  type OwnerDelta,
  ownerDeltaSize,
  SharedKeyspace,
} from "../src/index.js";

/** The seeded generator of `@grapevine/protocol`, for deterministic tests. */
export function seeded(seed: number): Rng {
  return seededRng(seed);
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The text of UTF-8 `value`, or `undefined` for none. */
export function text(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : new TextDecoder().decode(value);
}

/** An hour, ms: the tombstone grace period of {@link keyspace} by default. */
const HOUR = 3_600_000;

/** A cluster-scoped keyspace for node `self`. */
export function keyspace(self: string, graceMs = HOUR): SharedKeyspace {
  return new SharedKeyspace({ self, graceMs });
}

/** A state for node `self` with a seeded RNG. */
export function node(
  self: string,
  options: Partial<Omit<ClusterStateOptions, "self">> = {},
): ClusterState {
  return new ClusterState({ self, generation: 1, rng: seeded(hash(self)), ...options });
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * What `holder` holds of `owner`, as a canonical string: generation, version and every visible
 * key with its version and bytes (tombstones are left out: when they are collected differs from
 * replica to replica, what they hide does not).
 */
export function view(holder: ClusterState, owner: string): string {
  const info = holder.owner(owner);
  // An owner that never wrote anything is not replicated: holding it empty is holding nothing.
  if (info === undefined || info.maxVersion === 0) return "absent";
  const keys = holder
    .entries(owner)
    .map((e) => `${e.key}@${e.version}=${Array.from(e.value).join(".")}`)
    .sort();
  return `g${info.generation} v${info.maxVersion} {${keys.join(",")}}`;
}

/** Whether `a` and `b` hold the same view of every owner either holds. */
export function sameViews(a: ClusterState, b: ClusterState): boolean {
  const names = new Set([...a.owners(), ...b.owners()].map((o) => o.owner));
  for (const name of names) if (view(a, name) !== view(b, name)) return false;
  return true;
}

/** Bytes of a 1400-byte packet left for digest and delta entries after envelope and framing. */
export const ENTRY_BUDGET = 1400 - 32;

/** Size of what one scuttlebutt exchange sent. */
export interface ExchangeStats {
  /** Owner deltas carried in both directions. */
  readonly deltas: number;
  /** Entries carried in both directions. */
  readonly entries: number;
}

/**
 * One scuttlebutt exchange (Scuttlebutt §3) started by `initiator`, each message within `budget`:
 * `state-syn` (initiator's digest), `state-syn-ack` (responder's delta for the initiator, at most
 * three quarters of the budget, then the responder's digest in what is left), `state-ack` (the
 * initiator's delta for the responder).
 */
export function exchange(
  initiator: ClusterState,
  responder: ClusterState,
  budget: number,
  now: number,
): ExchangeStats {
  const syn = initiator.digest(budget);
  const toInitiator = responder.deltaFor(syn.entries, syn.complete, Math.floor((budget * 3) / 4));
  const used = toInitiator.reduce((n, d) => n + ownerDeltaSize(d), 0);
  const responderDigest = responder.digest(budget - used);
  expectWithin(used + digestSize(responderDigest.entries), budget);
  initiator.apply(toInitiator, now);
  const toResponder = initiator.deltaFor(responderDigest.entries, responderDigest.complete, budget);
  responder.apply(toResponder, now);
  const all = [...toInitiator, ...toResponder];
  return { deltas: all.length, entries: all.reduce((n, d) => n + d.entries.length, 0) };
}

function expectWithin(used: number, budget: number): void {
  if (used > budget) throw new Error(`exchange over budget: ${used} > ${budget}`);
}

/** Whether `a` and `b` hold the same owners at the same generations and versions. */
export function sameVersions(a: ClusterState, b: ClusterState): boolean {
  const left = a.owners();
  const right = b.owners();
  if (left.length !== right.length) return false;
  return left.every((o, i) => {
    const p = right[i]!;
    return o.owner === p.owner && o.generation === p.generation && o.maxVersion === p.maxVersion;
  });
}

/**
 * Runs exchanges between `a` and `b`, alternating who starts, until both hold the same views of
 * every owner; returns the number of exchanges it took (throws after `limit`).
 */
export function reconcile(
  a: ClusterState,
  b: ClusterState,
  budget: number,
  now: number,
  limit = 100_000,
): number {
  for (let round = 1; round <= limit; round++) {
    if (round % 2 === 1) exchange(a, b, budget, now);
    else exchange(b, a, budget, now);
    if (sameVersions(a, b) && sameViews(a, b)) return round;
  }
  throw new Error(`no convergence after ${limit} exchanges`);
}

/** Name of the `i`-th synthetic owner. */
export function ownerName(i: number): string {
  return `node-${String(i).padStart(5, "0")}`;
}

/**
 * A full-state delta of a synthetic owner: `keys` keys written once each, in order, at versions
 * `1..keys` (plus `bump` to make a later state with the same keys), with 16-byte values.
 */
export function syntheticDelta(owner: string, keys: number, generation = 1, bump = 0): OwnerDelta {
  const entries: DeltaEntry[] = [];
  for (let k = 0; k < keys; k++) {
    entries.push({
      key: `key-${String(k).padStart(2, "0")}`,
      value: bytes(`v${bump}-${owner}`.padEnd(16, ".").slice(0, 16)),
      version: bump + k + 1,
      tombstone: false,
    });
  }
  return {
    owner,
    generation,
    fromVersion: 0,
    reset: false,
    heartbeat: 0,
    maxVersion: bump + keys,
    entries,
  };
}
