import { swimConfig } from "@grapevine/swim";
import type { SimOptions } from "./options.js";
import type { PlotSpec } from "./plot.js";
import { query } from "./scenarios-query.js";
import { config, stats } from "./scenarios-shared.js";
import type { SimNode, World } from "./world.js";

/** What a scenario measured: its figures (seconds, counts) and an optional plot. */
export interface ScenarioResult {
  readonly figures: Record<string, number | null>;
  readonly plot?: PlotSpec;
  /** Virtual ms over which traffic is averaged for the per-node rates. */
  readonly trafficWindow: {
    readonly startMs: number;
    readonly bytes: number;
    readonly messages: number;
  };
}

type Progress = (fraction: number) => void;

/** Warm-up before measuring in a converged cluster, ms: let the first probes settle. */
const WARMUP_MS = 5_000;
/** Step between checks of a scenario's end condition, ms of virtual time. */
const STEP_MS = 50;

const seconds = (ms: number | undefined | null): number | null =>
  ms === undefined || ms === null ? null : Math.round(ms) / 1000;

function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function trafficMark(world: World): ScenarioResult["trafficWindow"] {
  const t = world.traffic();
  return { startMs: world.clock.now(), bytes: t.bytes, messages: t.messages };
}

function swimSettings(options: SimOptions) {
  return swimConfig(options.preset, {});
}

/**
 * Runs until every node lists all N members alive, recording the converged fraction over time
 * (seconds since the call) into `points`. Returns the ms it took, or undefined at `limitMs`.
 */
function runUntilAllSeeAll(
  world: World,
  points: Array<[number, number]>,
  limitMs: number,
  stepMs: number,
  progress: Progress,
): Promise<number | undefined> {
  const n = world.nodes.length;
  const start = world.clock.now();
  return world.runUntil(
    () => {
      let full = 0;
      for (const node of world.nodes) if (node.cluster.aliveCount() === n) full += 1;
      points.push([(world.clock.now() - start) / 1000, full / n]);
      return full === n;
    },
    limitMs,
    stepMs,
    progress,
  );
}

/** `join`: N nodes start and join through 3 seeds → `converged_s`. */
export async function join(
  world: World,
  o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  const mark = trafficMark(world);
  const known: Array<[number, number]> = [];
  world.joinThroughSeeds();
  const n = o.nodes;
  const convergedMs = await runUntilAllSeeAll(world, known, o.durationS * 1000, 10, progress);
  return {
    figures: { converged_s: seconds(convergedMs) },
    plot: {
      title: `join: ${n} nodes through 3 seeds (seed ${o.seed})`,
      xLabel: "virtual seconds",
      yLabel: "fraction of nodes that list all N alive",
      series: [{ label: "converged fraction", points: known }],
      yRange: [0, 1],
    },
    trafficWindow: mark,
  };
}

/** `spread`: one node sets a key in a converged cluster → p50/p99/p100 and rounds. */
export async function spread(
  world: World,
  o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  world.converge();
  await world.runFor(WARMUP_MS, 500);
  const mark = trafficMark(world);
  const origin = world.nodes[0]!;
  const informedAt = new Map<string, number>();
  const start = world.clock.now();
  world.onEvent((node, e) => {
    if (e.type === "key-changed" && e.owner === origin.name && e.key === "sim/spread") {
      if (!informedAt.has(node.name)) informedAt.set(node.name, world.clock.now() - start);
    }
  });
  origin.cluster.set("sim/spread", "1");
  const n = o.nodes;
  await world.runUntil(() => informedAt.size >= n, o.durationS * 1000, STEP_MS, progress);
  const times = [...informedAt.values()].sort((a, b) => a - b);
  const p100 = informedAt.size >= n ? times[times.length - 1] : undefined;
  const gossipMs = swimSettings(o).gossipIntervalMs;
  const points: Array<[number, number]> = [[0, 0]];
  times.forEach((t, i) => {
    points.push([t / 1000, (i + 1) / n]);
  });
  return {
    figures: {
      p50_s: seconds(quantile(times, 0.5)),
      p99_s: informedAt.size >= Math.ceil(0.99 * n) ? seconds(quantile(times, 0.99)) : null,
      p100_s: seconds(p100),
      rounds_p100: p100 === undefined ? null : Math.round((p100 / gossipMs) * 10) / 10,
      informed_fraction: Math.round((informedAt.size / n) * 10000) / 10000,
    },
    plot: {
      title: `spread: one key, ${n} nodes, loss ${o.loss} (seed ${o.seed})`,
      xLabel: "virtual seconds after the write",
      yLabel: "fraction of nodes that have it",
      series: [{ label: "informed", points }],
      yRange: [0, 1],
    },
    trafficWindow: mark,
  };
}

/** `failure`: K nodes crash → first_suspect_s, first_dead_s, all_dead_s. */
export async function failure(
  world: World,
  o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  world.converge();
  await world.runFor(WARMUP_MS, 500);
  const mark = trafficMark(world);
  // Victims spread evenly over the name space (the same ones for every seed).
  const victims: SimNode[] = [];
  const step = Math.max(1, Math.floor(world.nodes.length / (o.kill + 1)));
  for (let i = 1; victims.length < o.kill; i++)
    victims.push(world.nodes[(i * step) % world.nodes.length]!);
  const victimNames = new Set(victims.map((v) => v.name));
  const firstSuspect = new Map<string, number>();
  const firstDead = new Map<string, number>();
  const deadCount = new Map<string, number>();
  const allDeadAt = new Map<string, number>();
  const seenDead = new Set<string>();
  let start = world.clock.now();
  const deadPoints: Array<[number, number]> = [[0, 0]];
  let deadPairs = 0;
  world.onEvent((node, e) => {
    if (e.type !== "member-suspect" && e.type !== "member-dead") return;
    const name = e.member.name;
    if (!victimNames.has(name) || node.crashed) return;
    const t = world.clock.now() - start;
    if (e.type === "member-suspect" && !firstSuspect.has(name)) firstSuspect.set(name, t);
    if (e.type === "member-dead") {
      if (!firstDead.has(name)) firstDead.set(name, t);
      const key = `${node.name}>${name}`;
      if (!seenDead.has(key)) {
        seenDead.add(key);
        deadCount.set(name, (deadCount.get(name) ?? 0) + 1);
        if (deadCount.get(name) === world.nodes.length - victims.length) allDeadAt.set(name, t);
        deadPairs += 1;
        deadPoints.push([t / 1000, deadPairs]);
      }
    }
  });
  start = world.clock.now();
  for (const v of victims) await world.crash(v);
  const liveCount = world.nodes.length - victims.length;
  const allDeadMs = await world.runUntil(
    () => victims.every((v) => (deadCount.get(v.name) ?? 0) >= liveCount),
    o.durationS * 1000,
    STEP_MS,
    progress,
  );
  const suspects = [...firstSuspect.values()];
  // Per victim: from its first suspicion to every live node holding it dead (the suspicion
  // timeout plus the spread of the verdict); the worst victim is reported.
  let worstDeadAfterSuspect: number | undefined;
  for (const v of victims) {
    const done = allDeadAt.get(v.name);
    const suspected = firstSuspect.get(v.name);
    if (done === undefined || suspected === undefined) continue;
    worstDeadAfterSuspect = Math.max(worstDeadAfterSuspect ?? 0, done - suspected);
  }
  const cfg = swimSettings(o);
  // SWIM's e/(e−1) periods to the first probe of a victim, then the direct timeout: a crashed
  // member's host refuses the stream probe at once, and on the simulated network's round trips
  // (a few ms) the adaptive timeout sits at its minimum.
  const expectedFirstSuspect =
    (Math.E / (Math.E - 1)) * cfg.probeIntervalMs + cfg.minProbeTimeoutMs;
  const total = liveCount * victims.length;
  return {
    figures: {
      first_suspect_s: seconds(suspects.length ? Math.min(...suspects) : undefined),
      mean_first_suspect_s: seconds(
        suspects.length ? suspects.reduce((a, b) => a + b, 0) / suspects.length : undefined,
      ),
      expected_first_suspect_s: seconds(expectedFirstSuspect),
      first_dead_s: seconds(firstDead.size ? Math.min(...firstDead.values()) : undefined),
      all_dead_s: seconds(allDeadMs),
      worst_dead_after_suspect_s: seconds(worstDeadAfterSuspect),
    },
    plot: {
      title: `failure: ${o.kill} of ${o.nodes} crash, loss ${o.loss} (seed ${o.seed})`,
      xLabel: "virtual seconds after the crash",
      yLabel: "fraction of (observer, victim) pairs declared dead",
      series: [{ label: "declared dead", points: deadPoints.map(([x, y]) => [x, y / total]) }],
      yRange: [0, 1],
    },
    trafficWindow: mark,
  };
}

/** Sums the failure detectors' counters over the live nodes. */
function swimTotals(world: World): { suspicions: number; refutations: number } {
  let suspicions = 0;
  let refutations = 0;
  for (const n of world.nodes) {
    const c = n.cluster.swimCounters();
    suspicions += c.suspicionsRaised;
    refutations += c.refutations;
  }
  return { suspicions, refutations };
}

/** `soak`: run under loss and slow nodes; nobody fails → false_suspects, false_deaths, refutations. */
export async function soak(
  world: World,
  o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  world.converge();
  await world.runFor(WARMUP_MS, 500);
  const mark = trafficMark(world);
  if (o.slow > 0) world.makeSlow(o.slow);
  const before = swimTotals(world);
  const streamsBefore = world.streamLoss();
  let suspectEvents = 0;
  let deadEvents = 0;
  // A suspicion is one (member, incarnation) episode, however many nodes hear of it. Suspicions
  // of healthy members are the false positives Lifeguard sets out to remove (Lifeguard §5);
  // suspicions of stalled members are a correct reading of a member that did not answer.
  const healthyEpisodes = new Set<string>();
  const slowEpisodes = new Set<string>();
  const start = world.clock.now();
  const suspectPoints: Array<[number, number]> = [[0, 0]];
  world.onEvent((_node, e) => {
    if (e.type === "member-suspect") {
      suspectEvents += 1;
      const subject = world.node(e.member.name);
      const episode = `${e.member.name}@${e.member.incarnation}`;
      if (subject.slow) slowEpisodes.add(episode);
      else healthyEpisodes.add(episode);
      suspectPoints.push([(world.clock.now() - start) / 1000, healthyEpisodes.size]);
    }
    if (e.type === "member-dead") deadEvents += 1;
  });
  await world.runFor(o.durationS * 1000, 1000, progress);
  const after = swimTotals(world);
  const streamsAfter = world.streamLoss();
  return {
    figures: {
      false_suspects: healthyEpisodes.size,
      suspects_of_slow: slowEpisodes.size,
      suspicions_raised: after.suspicions - before.suspicions,
      suspect_events: suspectEvents,
      false_deaths: deadEvents,
      refutations: after.refutations - before.refutations,
      slow_nodes: world.nodes.filter((n) => n.slow).length,
      stream_retransmits: streamsAfter.retransmits - streamsBefore.retransmits,
      streams_timed_out: streamsAfter.timedOut - streamsBefore.timedOut,
    },
    plot: {
      title: `soak: ${o.nodes} nodes, loss ${o.loss}, slow ${o.slow}, lifeguard ${o.lifeguard ? "on" : "off"}`,
      xLabel: "virtual seconds",
      yLabel: "suspicions of healthy members (cumulative)",
      series: [{ label: "false suspicions", points: suspectPoints }],
    },
    trafficWindow: mark,
  };
}

/** `partition`: split in two for --duration, heal → heal_s (every node lists every node alive). */
export async function partition(
  world: World,
  o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  world.converge();
  await world.runFor(WARMUP_MS, 500);
  const mark = trafficMark(world);
  const names = world.nodes.map((n) => n.name);
  const half = Math.floor(names.length / 2);
  world.network.partition([names.slice(0, half), names.slice(half)]);
  await world.runFor(o.durationS * 1000, 1000, (f) => progress(f / 2));
  world.network.heal();
  const n = o.nodes;
  const points: Array<[number, number]> = [];
  const healMs = await runUntilAllSeeAll(
    world,
    points,
    Math.max(600_000, o.durationS * 1000),
    100,
    (f) => progress(0.5 + f / 2),
  );
  return {
    figures: { heal_s: seconds(healMs) },
    plot: {
      title: `partition: ${n} nodes split ${o.durationS} s, then healed (seed ${o.seed})`,
      xLabel: "virtual seconds after heal",
      yLabel: "fraction of nodes that list all N alive",
      series: [{ label: "healed fraction", points }],
      yRange: [0, 1],
    },
    trafficWindow: mark,
  };
}

/** `idle`: a converged cluster doing nothing; the traffic rates are the figure. */
export async function idle(
  world: World,
  o: SimOptions,
  progress: Progress,
): Promise<ScenarioResult> {
  world.converge();
  await world.runFor(WARMUP_MS, 500);
  const mark = trafficMark(world);
  await world.runFor(o.durationS * 1000, 1000, progress);
  return { figures: {}, trafficWindow: mark };
}

/** Every scenario by name. */
export const scenarios = {
  join,
  spread,
  failure,
  soak,
  partition,
  idle,
  config,
  stats,
  query,
} as const;
