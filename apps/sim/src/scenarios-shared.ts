import type { SimOptions } from "./options.js";
import type { ScenarioResult } from "./scenarios.js";
import type { SimNode, World } from "./world.js";
import { SIM_SHARED_GRACE_MS } from "./world.js";

type Progress = (fraction: number) => void;

const WARMUP_MS = 5_000;
const seconds = (ms: number | undefined): number | null =>
  ms === undefined ? null : Math.round(ms) / 1000;

function mark(world: World): ScenarioResult["trafficWindow"] {
  const t = world.traffic();
  return { startMs: world.clock.now(), bytes: t.bytes, messages: t.messages };
}

function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Up to `count` nodes spread evenly over the cluster, skipping `except`. */
function spreadPick(nodes: readonly SimNode[], count: number, except?: SimNode): SimNode[] {
  const pool = nodes.filter((n) => n !== except);
  const step = Math.max(1, Math.floor(pool.length / count));
  return pool.filter((_, i) => i % step === 0).slice(0, count);
}

/** Keys written concurrently by every writer in `config`. */
const CONFIG_KEYS = ["flags/a", "flags/b", "flags/c"] as const;

/**
 * `config`: cluster-scoped keys. (1) 10 writers write the same 3 keys at the same virtual instant
 * (under the run's loss, 10 % unless `--loss` says otherwise): time until every live node holds
 * one and the same winner for every key, and whether it is the highest timestamp's. (2) A node is
 * cut off; meanwhile one key is deleted and its tombstone collected (the shared grace in the
 * simulator is 60 s); the node comes back after more than the grace: the nodes holding the deleted
 * key afterwards (resurrections) must be 0.
 */
export async function config(
  world: World,
  o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  world.converge();
  await world.runFor(WARMUP_MS, 500);
  const window = mark(world);
  const away = world.nodes[world.nodes.length - 1]!;
  const writers = spreadPick(world.nodes, Math.min(10, world.nodes.length - 1), away);
  for (const w of writers) for (const key of CONFIG_KEYS) w.cluster.shared.set(key, w.name);
  // Same wall time and, per key, the same logical counter: the writer's name decides.
  const expected = writers.map((w) => w.name).sort()[writers.length - 1]!;
  const agree = (): boolean =>
    CONFIG_KEYS.every((key) => {
      const first = world.nodes[0]!.cluster.shared.getText(key);
      return (
        first !== undefined && world.nodes.every((n) => n.cluster.shared.getText(key) === first)
      );
    });
  const limitMs = o.durationS * 1000;
  const convergeMs = await world.runUntil(agree, limitMs, 100, (f) => progress(f / 3));
  const winnerRight = CONFIG_KEYS.every(
    (k) => world.nodes[0]!.cluster.shared.getText(k) === expected,
  );

  // (2) no resurrection after the grace.
  const others = world.nodes.filter((n) => n !== away).map((n) => n.name);
  world.network.partition([[away.name], others]);
  await world.runFor(2_000, 500);
  writers[0]!.cluster.shared.delete("flags/a");
  const awayMs = SIM_SHARED_GRACE_MS + 20_000;
  await world.runFor(awayMs, 1000, (f) => progress(1 / 3 + f / 3));
  world.network.heal();
  const settled = (): boolean =>
    away.cluster.shared.getText("flags/a") === undefined &&
    world.nodes.every((n) => n.cluster.shared.getText("flags/b") === expected);
  const healMs = await world.runUntil(settled, 120_000, 500, (f) => progress(2 / 3 + f / 6));
  await world.runFor(30_000, 1000, (f) => progress(5 / 6 + f / 6));
  const resurrected = world.nodes.filter((n) => n.cluster.shared.getText("flags/a") !== undefined);
  return {
    figures: {
      writers: writers.length,
      keys: CONFIG_KEYS.length,
      converge_s: seconds(convergeMs),
      one_winner: convergeMs === undefined ? 0 : 1,
      winner_highest_stamp: winnerRight ? 1 : 0,
      away_s: awayMs / 1000,
      away_settled_s: seconds(healMs),
      resurrected_nodes: resurrected.length,
    },
    trafficWindow: window,
  };
}

/** The stats every node publishes in `stats`. */
const STAT_NAMES = ["cpu", "rss", "lag", "rtt", "qps"] as const;
/** Time the stats run before measuring: the first flushes have spread. */
const STATS_SETTLE_MS = 60_000;

/**
 * `stats`: every node publishes 5 stats every second for the whole run. Figures: the traffic per
 * node (the run's common `bytes_per_node_per_s`, to compare with `idle` at the same N and seed),
 * what each node's own telemetry costs as budgeted (`own_stats_bytes_per_s`, bound: 64 B/s), and
 * freshness: the oldest sample's age in the aggregate as seen by 20 observers every 5 s (p50, p99),
 * and how many nodes contribute.
 */
export async function stats(
  world: World,
  o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  world.converge();
  await world.runFor(WARMUP_MS, 500);
  let tick = 0;
  const sample = (): void => {
    tick += 1;
    world.nodes.forEach((n, i) => {
      if (n.crashed) return;
      STAT_NAMES.forEach((name, j) => {
        n.cluster.stats.publish(name, ((i * 7 + j * 13 + tick) % 100) + j);
      });
    });
    world.clock.setTimeout(sample, 1000);
  };
  sample();
  await world.runFor(STATS_SETTLE_MS, 1000, (f) => progress(f / 4));
  const window = mark(world);
  const costStart = world.nodes.map((n) => statsCost(n));
  const observers = spreadPick(world.nodes, 20);
  const ages: number[] = [];
  const coverage: number[] = [];
  const measureMs = o.durationS * 1000;
  const start = world.clock.now();
  await world.runUntil(
    () => {
      for (const obs of observers) {
        const a = obs.cluster.stats.aggregate("cpu");
        ages.push(a?.oldestAgeMs ?? Number.POSITIVE_INFINITY);
        coverage.push((a?.count ?? 0) / world.nodes.length);
      }
      return false;
    },
    measureMs,
    5_000,
    (f) => progress(1 / 4 + (3 * f) / 4),
  );
  const elapsedS = (world.clock.now() - start) / 1000;
  const costs = world.nodes.map((n, i) => (statsCost(n) - costStart[i]!) / elapsedS);
  ages.sort((a, b) => a - b);
  coverage.sort((a, b) => a - b);
  const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);
  return {
    figures: {
      stats_per_node: STAT_NAMES.length,
      own_stats_bytes_per_s_mean: round(costs.reduce((s, c) => s + c, 0) / costs.length),
      own_stats_bytes_per_s_max: round(Math.max(...costs)),
      oldest_age_p50_s: seconds(quantile(ages, 0.5)),
      oldest_age_p99_s: seconds(quantile(ages, 0.99)),
      contributing_fraction_min: round(coverage[0]),
    },
    trafficWindow: window,
  };
}

/** A node's budgeted telemetry cost so far, bytes (core runtime; 0 where not visible). */
function statsCost(n: SimNode): number {
  type Held = { core?: { scoped?: { stats?: { costBytes?: number } } } };
  return (n.cluster as Held).core?.scoped?.stats?.costBytes ?? 0;
}
