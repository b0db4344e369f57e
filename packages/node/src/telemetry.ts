import { decodeUtf8, encodeUtf8, utf8Length } from "@grapevine/codec";
import type { ClusterState } from "@grapevine/state";
import { retransmitLimit, type Swim } from "@grapevine/swim";
import type { StateSync } from "./state-sync.js";

/**
 * The per-node key that carries a node's telemetry samples: one key for all its samples, so a
 * flush costs one delta entry whatever the number of names. Cluster shells hide its
 * `key-changed` events.
 */
export const STATS_KEY = "@stats";

/** Default budget of one node's telemetry, bytes per second (see {@link Telemetry}). */
export const DEFAULT_STATS_BUDGET_BYTES_PER_S = 64;
/** Default freshness bound: samples older than this are left out of aggregates, ms. */
export const DEFAULT_STATS_MAX_AGE_MS = 300_000;
/** Shortest time between two flushes whatever the budget, ms. */
export const MIN_STATS_FLUSH_INTERVAL_MS = 1_000;
/** Most names one node publishes (a record must fit a value). */
export const MAX_STATS_NAMES = 32;
/** Longest stat name, UTF-8 bytes. */
export const MAX_STAT_NAME_BYTES = 64;

/** Bytes of a state-delta message around one entry, besides key, value and owner name. */
const DELTA_OVERHEAD_BYTES = 40;

/** Settings of {@link Telemetry}. */
export interface TelemetryOptions {
  /** Bytes per second one node's telemetry may cost (default 64). */
  readonly budgetBytesPerS?: number;
  /** Samples older than this are left out of aggregates, ms (default 300,000). */
  readonly maxAgeMs?: number;
}

/** A cluster-wide aggregate of one stat, computed from what this node holds. */
export interface StatAggregate {
  readonly name: string;
  /** Samples aggregated (one per contributing node). */
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** Names of the nodes whose samples are in it, sorted. */
  readonly nodes: readonly string[];
  /** Age of the oldest sample in it, ms (by the publishers' clocks). */
  readonly oldestAgeMs: number;
}

/** One node's published record: when it was sampled and the values by name. */
export interface StatsRecord {
  readonly sampledAt: number;
  readonly values: ReadonlyMap<string, number>;
}

/** What {@link Telemetry} needs of the core it serves. */
export interface TelemetryHost {
  readonly name: string;
  /** Wall-clock minus `now`, ms: sample times are compared across processes. */
  readonly wallOffsetMs?: number;
  readonly state: ClusterState;
  readonly stateSync: StateSync;
  readonly swim: Swim;
}

/**
 * Spread sampled numeric telemetry and aggregate it cluster-wide. `publish` only records a sample;
 * the node's samples go out together as one per-node key ({@link STATS_KEY}), at most once per
 * flush interval, where the interval is what keeps the cost within the budget: a flush is sent
 * retransmitMult·⌈log10(N+1)⌉ times (like every broadcast), so
 * `interval = record bytes × retransmit limit / budget`, never under a second. The budget is the
 * cost of one node's own samples in its gossip: every member passes each record on as many times,
 * so a member's whole telemetry traffic is about N times the budget when all N publish (the
 * simulator's `stats` scenario measures both). Nothing is sent before the first `publish`.
 *
 * Aggregates are computed by every node from the records it holds of members alive or suspect,
 * leaving out records older than `maxAgeMs`. Sans-IO: `now` is passed in.
 */
export class Telemetry {
  /** Flushes sent. */
  flushes = 0;
  /** Bytes of records written (once per flush; each is gossiped retransmit-limit times). */
  recordBytes = 0;
  /** What the flushes cost, as budgeted: transmission bytes × retransmit limit, summed. */
  costBytes = 0;

  private readonly pending = new Map<string, number>();
  private readonly current = new Map<string, number>();
  private pendingSince = Number.NaN;
  private lastPublishAt = Number.NaN;
  private nextFlushAt = -Infinity;
  private readonly budget: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly host: TelemetryHost,
    options: TelemetryOptions = {},
  ) {
    this.budget = options.budgetBytesPerS ?? DEFAULT_STATS_BUDGET_BYTES_PER_S;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_STATS_MAX_AGE_MS;
  }

  /** Records a sample of `name` taken at `now`; it goes out with the next flush. */
  publish(name: string, value: number, monotonicNow: number): void {
    const now = monotonicNow + (this.host.wallOffsetMs ?? 0);
    if (name.length === 0 || utf8Length(name) > MAX_STAT_NAME_BYTES) {
      throw new RangeError(`stat name must be 1–${MAX_STAT_NAME_BYTES} bytes`);
    }
    if (!Number.isFinite(value)) throw new RangeError(`stat ${name}: value must be finite`);
    if (!this.current.has(name) && !this.pending.has(name)) {
      if (this.current.size + this.pending.size >= MAX_STATS_NAMES) {
        throw new RangeError(`at most ${MAX_STATS_NAMES} stat names`);
      }
    }
    if (this.pending.size === 0) this.pendingSince = now;
    this.pending.set(name, value);
    this.lastPublishAt = now;
  }

  /** Sends the pending samples if the budget allows at `now` (called after every step). */
  flushDue(now: number): void {
    if (this.pending.size === 0 || now < this.nextFlushAt) return;
    for (const [name, value] of this.pending) this.current.set(name, value);
    this.pending.clear();
    const value = encodeStats({ sampledAt: this.pendingSince, values: this.current });
    const change = this.host.state.set(STATS_KEY, value, now);
    if (change) this.host.stateSync.localChange(change, now);
    this.flushes += 1;
    this.recordBytes += value.length;
    const cost = this.transmissionBytes(value.length) * this.retransmits();
    this.costBytes += cost;
    this.nextFlushAt = now + Math.max(MIN_STATS_FLUSH_INTERVAL_MS, (cost / this.budget) * 1000);
  }

  /** Bytes one transmission of a record of `valueBytes` costs (entry, owner delta, framing). */
  transmissionBytes(valueBytes: number): number {
    return valueBytes + STATS_KEY.length + utf8Length(this.host.name) + DELTA_OVERHEAD_BYTES;
  }

  /** Names with at least one fresh sample among live members, sorted. */
  names(monotonicNow: number): string[] {
    const now = monotonicNow + (this.host.wallOffsetMs ?? 0);
    const names = new Set<string>();
    for (const record of this.records(now).values())
      for (const n of record.values.keys()) names.add(n);
    return [...names].sort();
  }

  /** The aggregate of `name` over live members' fresh samples; `undefined` when none. */
  aggregate(name: string, monotonicNow: number): StatAggregate | undefined {
    const now = monotonicNow + (this.host.wallOffsetMs ?? 0);
    const samples: Array<{ node: string; value: number; age: number }> = [];
    for (const [node, record] of this.records(now)) {
      const value = record.values.get(name);
      if (value !== undefined)
        samples.push({ node, value, age: Math.max(0, now - record.sampledAt) });
    }
    if (samples.length === 0) return undefined;
    const values = samples.map((s) => s.value).sort((a, b) => a - b);
    let sum = 0;
    for (const v of values) sum += v;
    return {
      name,
      count: values.length,
      min: values[0]!,
      max: values[values.length - 1]!,
      mean: sum / values.length,
      p50: nearestRank(values, 0.5),
      p90: nearestRank(values, 0.9),
      p99: nearestRank(values, 0.99),
      nodes: samples.map((s) => s.node).sort(),
      oldestAgeMs: Math.max(...samples.map((s) => s.age)),
    };
  }

  /** Fresh records of members alive or suspect (ourselves included), by node. */
  private records(now: number): Map<string, StatsRecord> {
    const out = new Map<string, StatsRecord>();
    const { state, swim } = this.host;
    // Our own samples count at once, before their flush.
    if (this.current.size + this.pending.size > 0 && now - this.lastPublishAt <= this.maxAgeMs) {
      const values = new Map([...this.current, ...this.pending]);
      out.set(this.host.name, { sampledAt: this.lastPublishAt, values });
    }
    for (const owner of state.owners()) {
      if (owner.owner === this.host.name) continue;
      const m = swim.member(owner.owner);
      if (m?.status !== "alive" && m?.status !== "suspect") continue;
      const entry = state.get(owner.owner, STATS_KEY);
      const record = entry === undefined ? undefined : decodeStats(entry.value);
      if (record !== undefined && now - record.sampledAt <= this.maxAgeMs)
        out.set(owner.owner, record);
    }
    return out;
  }

  private retransmits(): number {
    const { swim } = this.host;
    return retransmitLimit(swim.config.retransmitMult, swim.aliveCount());
  }
}

function nearestRank(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * A record as a per-node value: sampledAt (8-byte float, ms), then per name its UTF-8 length
 * (1 byte), the name, and the value (8-byte float, little-endian).
 */
export function encodeStats(record: StatsRecord): Uint8Array {
  const names = [...record.values.keys()].sort().map((n) => [n, encodeUtf8(n)] as const);
  let size = 8;
  for (const [, bytes] of names) size += 1 + bytes.length + 8;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setFloat64(0, record.sampledAt, true);
  let at = 8;
  for (const [name, bytes] of names) {
    out[at] = bytes.length;
    out.set(bytes, at + 1);
    at += 1 + bytes.length;
    view.setFloat64(at, record.values.get(name)!, true);
    at += 8;
  }
  return out;
}

/** Reads a record written by {@link encodeStats}; `undefined` when malformed. */
export function decodeStats(bytes: Uint8Array): StatsRecord | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sampledAt = view.getFloat64(0, true);
  const values = new Map<string, number>();
  let at = 8;
  while (at < bytes.length) {
    const length = bytes[at]!;
    if (at + 1 + length + 8 > bytes.length) return undefined;
    const name = decodeUtf8(bytes.subarray(at + 1, at + 1 + length));
    if (name === undefined) return undefined;
    at += 1 + length;
    values.set(name, view.getFloat64(at, true));
    at += 8;
  }
  return Number.isFinite(sampledAt) ? { sampledAt, values } : undefined;
}
