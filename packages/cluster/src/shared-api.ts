import type { NodeCore, StatAggregate } from "@grapevine/node";
import type { SharedSnapshot } from "@grapevine/state";

/** Runs one step of the core at the current time (the cluster's `step`). */
type Step = <T>(fn: (now: number) => T) => T;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `cluster.shared`: the cluster-scoped keyspace. Configuration that belongs to no member (feature
 * flags, versions): any member may write any key, the write with the highest hybrid logical clock
 * timestamp wins on every member, and keys outlive every member that wrote them. Changes arrive as
 * `shared-changed` events.
 *
 * What it is not: reads are local, so a write is not visible on other members until it has
 * spread (no read-your-writes across members); there is no compare-and-set and no total order of
 * writes. Use a Raft-based store (etcd, Consul KV) for those.
 */
export class SharedKeys {
  constructor(
    private readonly core: NodeCore,
    private readonly step: Step,
    private readonly assertRunning: (what: string) => void,
    private readonly now: () => number,
  ) {}

  /** Writes `key` (strings are stored as UTF-8); it spreads to every member. */
  set(key: string, value: Uint8Array | string): void {
    this.assertRunning("shared.set");
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    this.step((now) => this.core.scoped.shared.set(key, bytes, now));
  }

  /** Deletes `key` everywhere (a tombstone spreads, then is collected). Whether it existed. */
  delete(key: string): boolean {
    this.assertRunning("shared.delete");
    return this.step((now) => this.core.scoped.shared.delete(key, now));
  }

  /** The value of `key` as this member holds it. */
  get(key: string): Uint8Array | undefined {
    return this.core.scoped.shared.keyspace.get(key);
  }

  /** The value of `key` as UTF-8 text. */
  getText(key: string): string | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : decoder.decode(v);
  }

  /** Live keys starting with `prefix` (default: all), sorted, with their values. */
  entries(prefix = ""): Array<{ key: string; value: Uint8Array }> {
    return this.core.scoped.shared.keyspace.entries(prefix).map(([key, value]) => ({ key, value }));
  }

  /**
   * The whole keyspace (entries with their timestamps, tombstones, what is set aside, the last
   * contact with a peer), for a runtime to keep on disk and {@link restore} in its next run.
   */
  snapshot(): SharedSnapshot {
    return this.core.scoped.shared.snapshot(this.now());
  }

  /**
   * Restores a {@link snapshot} of an earlier run, so a member restarted with no peer to ask
   * still has the configuration. Entries merge as a peer's would (newer ones held win), and the
   * member counts as away since the snapshot's last contact: after longer than the grace period,
   * the old entries are set aside until a peer settles them, so a key deleted meanwhile does not
   * come back. Changes arrive as `shared-changed` events.
   */
  restore(snapshot: SharedSnapshot): void {
    this.assertRunning("shared.restore");
    this.step((now) => this.core.scoped.shared.restore(snapshot, now));
  }

  /** Running totals: refused for clock drift, collected, set aside after an absence, ... */
  get counters() {
    return this.core.scoped.shared.keyspace.counters;
  }
}

/**
 * `cluster.stats`: sampled numeric telemetry. `publish` records a sample; this member's samples
 * spread as one per-member record within a byte budget (see `Telemetry` in `@grapevine/node`);
 * every member computes aggregates over the fresh samples of live members.
 */
export class ClusterStats {
  constructor(
    private readonly core: NodeCore,
    private readonly step: Step,
    private readonly now: () => number,
  ) {}

  /** Records a sample of `name` (1–64 bytes; at most 32 names per member). */
  publish(name: string, value: number): void {
    this.step((now) => this.core.scoped.stats.publish(name, value, now));
  }

  /** Count, min, max, mean, p50/p90/p99, contributing members and the oldest sample's age. */
  aggregate(name: string): StatAggregate | undefined {
    return this.core.scoped.stats.aggregate(name, this.now());
  }

  /** Names with fresh samples among live members, sorted. */
  names(): string[] {
    return this.core.scoped.stats.names(this.now());
  }
}
