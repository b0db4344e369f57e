/**
 * memberlist's side of `pnpm bench net`, measured the same way: N memberlist nodes (Go, Debian's
 * 0.2.2, one process, DefaultLANConfig) on 127.0.0.1 join through one seed and run quietly for 5 s.
 * - `fail`: one random non-seed node is shut down (no leave); the figure is the time until the
 *   first member suspects it (memberlist logs "Suspect <name> has failed" when its own probe
 *   fails, which is where every first suspicion comes from), on this process's monotonic clock.
 *   A fresh cluster per trial.
 * - `idle`: CPU seconds per node per second of the Go process (user + system, from
 *   /proc/<pid>/stat), over `trials` consecutive windows of `--window` seconds of one cluster.
 * - `pair`: `idle` for memberlist and for Grapevine at once: the Go cluster, then N Grapevine
 *   nodes in this process (`pnpm bench net`'s idle cluster, LAN preset); each window reads both
 *   processes' CPU time at the same instants, so the machine's load moves both figures alike and
 *   the window's ratio (Grapevine / memberlist) stands. `--coordinates off` runs Grapevine without
 *   network coordinates (memberlist computes none; Serf does).
 *
 * `--warmup S` idles S seconds before the first window of `idle` and `pair`. V8 optimizes an idle
 * Grapevine process's hottest functions over its first minutes (with 100 members, `node
 * --trace-opt` shows them optimized 1.5 to 4 minutes in); Go compiles ahead of time. With a
 * warm-up, the windows measure a cluster that has been running for a while.
 *
 * Usage: pnpm bench:memberlist [--scenario fail|idle|pair] [--nodes 50] [--trials 15]
 * [--window 120] [--warmup 0] [--coordinates on|off].
 * Progress on stderr; one JSON line on stdout: median, min, max and every value (for `pair`, of
 * each system and of the ratio).
 */
import { readFileSync } from "node:fs";
import {
  type BenchNode,
  convergedCluster as grapevineCluster,
  stopAll,
  summarize,
} from "@grapevine/bench";
import { buildGoTool, GoCluster, goMissing } from "../src/index.js";

const SETTLE_MS = 5_000;
/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times. */
const CLOCK_TICKS_PER_S = 100;
const CONVERGE_TIMEOUT_MS = 60_000;
const DETECT_TIMEOUT_MS = 30_000;

function flag(name: string, fallback: number, min: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} needs an integer of at least ${min}, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return value;
}

const scenarioAt = process.argv.indexOf("--scenario");
const scenario = scenarioAt < 0 ? "fail" : process.argv[scenarioAt + 1];
if (scenario !== "fail" && scenario !== "idle" && scenario !== "pair") {
  console.error(`--scenario is fail, idle or pair, got ${scenario}`);
  process.exit(2);
}
const nodes = flag("--nodes", 50, 3);
const trials = flag("--trials", scenario === "fail" ? 15 : 3, 1);
const windowS = flag("--window", 120, 1);
/** Idle seconds before the first window of `idle` and `pair` (V8 compiles the hot code meanwhile). */
const warmupS = flag("--warmup", 0, 0);
const coordinatesAt = process.argv.indexOf("--coordinates");
const coordinatesFlag = coordinatesAt < 0 ? "on" : process.argv[coordinatesAt + 1];
if (coordinatesFlag !== "on" && coordinatesFlag !== "off") {
  console.error(`--coordinates is on or off, got ${coordinatesFlag}`);
  process.exit(2);
}
const missing = goMissing();
if (missing !== undefined) {
  console.error(missing);
  process.exit(2);
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A converged cluster of `nodes` Go nodes after 5 s of quiet. */
async function convergedCluster(): Promise<GoCluster> {
  // memberlist's log (read for `fail`) is off for `idle`: writing it would cost CPU.
  const verbose = scenario === "fail";
  const go = await GoCluster.start(buildGoTool(), { nodes, preset: "lan", verbose });
  try {
    for (let i = 1; i < nodes; i++) {
      const joined = go.waitFor((e) => e.event === "joined" && e.node === i, 10_000);
      go.command({ cmd: "join", node: i, addrs: [go.addresses[0] as string] });
      await joined;
    }
    const until = performance.now() + CONVERGE_TIMEOUT_MS;
    for (;;) {
      const sizes = await Promise.all(
        [1, nodes - 1].map(async (i) => (await go.members(i)).length),
      );
      if (sizes.every((size) => size === nodes)) break;
      if (performance.now() > until) throw new Error(`no convergence in ${CONVERGE_TIMEOUT_MS} ms`);
      await pause(100);
    }
    await pause(SETTLE_MS);
    return go;
  } catch (err) {
    await go.stop();
    throw err;
  }
}

/** CPU seconds (user + system) the process `pid` has used. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

async function failTrial(): Promise<number> {
  const go = await convergedCluster();
  try {
    const victim = go.names[1 + Math.floor(Math.random() * (nodes - 1))] as string;
    const seenBefore = go.log.length;
    const killedAt = performance.now();
    return await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        if (
          go.log.slice(seenBefore).some((line) => line.includes(`Suspect ${victim} has failed`))
        ) {
          clearInterval(timer);
          resolve((performance.now() - killedAt) / 1000);
        } else if (performance.now() - killedAt > DETECT_TIMEOUT_MS) {
          clearInterval(timer);
          reject(new Error(`${victim} not suspected in ${DETECT_TIMEOUT_MS} ms`));
        }
      }, 5);
      go.command({ cmd: "kill", node: go.names.indexOf(victim) });
    });
  } finally {
    await go.stop();
  }
}

/** CPU seconds this process has used (user + system). */
function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * `trials` windows over the idle Go cluster and, with `grapevine`, the idle Grapevine nodes of
 * this process: CPU s per node per second of each, read at the same instants.
 */
async function idleWindows(
  go: GoCluster,
  grapevine: readonly BenchNode[] | undefined,
): Promise<Array<{ memberlist: number; grapevine: number }>> {
  const pid = go.pid as number;
  const windows: Array<{ memberlist: number; grapevine: number }> = [];
  for (let t = 1; t <= trials; t++) {
    const goBefore = cpuSeconds(pid);
    const ownBefore = ownCpuSeconds();
    const started = performance.now();
    await pause(windowS * 1000);
    const goUsed = cpuSeconds(pid) - goBefore;
    const ownUsed = ownCpuSeconds() - ownBefore;
    const seconds = (performance.now() - started) / 1000;
    const window = { memberlist: goUsed / nodes / seconds, grapevine: ownUsed / nodes / seconds };
    windows.push(window);
    const ours = grapevine === undefined ? "" : `, Grapevine ${window.grapevine.toFixed(6)} s`;
    console.error(
      `${scenario} N=${nodes} window ${t}/${trials}: memberlist ${window.memberlist.toFixed(6)} CPU s${ours}`,
    );
  }
  return windows;
}

const header = { system: "memberlist 0.2.2", scenario, nodes, trials };
if (scenario === "fail") {
  const values: number[] = [];
  for (let t = 1; t <= trials; t++) {
    const s = await failTrial();
    values.push(s);
    console.error(
      `memberlist fail N=${nodes} trial ${t}/${trials}: first suspect ${s.toFixed(3)} s`,
    );
  }
  console.log(JSON.stringify({ ...header, firstSuspectS: summarize(values) }));
} else {
  const go = await convergedCluster();
  let grapevine: BenchNode[] | undefined;
  try {
    if (scenario === "pair") {
      const coordinates = coordinatesFlag === "on";
      grapevine = await grapevineCluster(nodes, "pair", SETTLE_MS, { coordinates });
    }
    if (warmupS > 0) {
      console.error(`${scenario} N=${nodes}: ${warmupS} s of warm-up first, not counted`);
      await pause(warmupS * 1000);
    }
    const windows = await idleWindows(go, grapevine);
    const memberlist = summarize(windows.map((w) => w.memberlist));
    // A window too short for the Go process to be charged a clock tick (10 ms) has no ratio.
    const ratios = windows.filter((w) => w.memberlist > 0).map((w) => w.grapevine / w.memberlist);
    if (scenario === "idle") {
      console.log(JSON.stringify({ ...header, windowS, warmupS, cpuS: memberlist }));
    } else {
      console.log(
        JSON.stringify({
          ...header,
          system: "Grapevine and memberlist 0.2.2, side by side",
          windowS,
          warmupS,
          coordinates: coordinatesFlag === "on",
          cpuS: {
            grapevine: summarize(windows.map((w) => w.grapevine)),
            memberlist,
            ...(ratios.length > 0 ? { ratio: summarize(ratios) } : {}),
          },
        }),
      );
    }
  } finally {
    if (grapevine !== undefined) await stopAll(grapevine);
    await go.stop();
  }
}
