/**
 * memberlist's side of `pnpm bench net`, measured the same way: N memberlist nodes (Go, Debian's
 * 0.2.2, one process, DefaultLANConfig) on 127.0.0.1 join through one seed and run quietly for 5 s.
 * - `fail`: one random non-seed node is shut down (no leave); the figure is the time until the
 *   first member suspects it (memberlist logs "Suspect <name> has failed" when its own probe
 *   fails, which is where every first suspicion comes from), on this process's monotonic clock.
 *   A fresh cluster per trial.
 * - `idle`: CPU seconds per node per second of the Go process (user + system, from
 *   /proc/<pid>/stat), over `trials` consecutive windows of `--window` seconds of one cluster.
 *
 * Usage: pnpm bench:memberlist [--scenario fail|idle] [--nodes 50] [--trials 15] [--window 120].
 * Progress on stderr; one JSON line on stdout: median, min, max and every value.
 */
import { readFileSync } from "node:fs";
import { summarize } from "@grapevine/bench";
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
if (scenario !== "fail" && scenario !== "idle") {
  console.error(`--scenario is fail or idle, got ${scenario}`);
  process.exit(2);
}
const nodes = flag("--nodes", 50, 3);
const trials = flag("--trials", scenario === "fail" ? 15 : 3, 1);
const windowS = flag("--window", 120, 1);
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

const values: number[] = [];
if (scenario === "fail") {
  for (let t = 1; t <= trials; t++) {
    const s = await failTrial();
    values.push(s);
    console.error(
      `memberlist fail N=${nodes} trial ${t}/${trials}: first suspect ${s.toFixed(3)} s`,
    );
  }
} else {
  const go = await convergedCluster();
  try {
    const pid = go.pid as number;
    for (let t = 1; t <= trials; t++) {
      const cpuBefore = cpuSeconds(pid);
      const started = performance.now();
      await pause(windowS * 1000);
      const seconds = (performance.now() - started) / 1000;
      const perNode = (cpuSeconds(pid) - cpuBefore) / nodes / seconds;
      values.push(perNode);
      console.error(
        `memberlist idle N=${nodes} window ${t}/${trials}: ${perNode.toFixed(6)} CPU s`,
      );
    }
  } finally {
    await go.stop();
  }
}
const figure = scenario === "fail" ? "firstSuspectS" : "cpuS";
console.log(
  JSON.stringify({
    system: "memberlist 0.2.2",
    scenario,
    nodes,
    trials,
    ...(scenario === "idle" ? { windowS } : {}),
    [figure]: summarize(values),
  }),
);
