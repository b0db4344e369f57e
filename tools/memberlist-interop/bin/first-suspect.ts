/**
 * memberlist's side of `pnpm bench net --scenario fail`: N memberlist nodes (Go, Debian's 0.2.2,
 * one process, DefaultLANConfig) on 127.0.0.1 join through one seed and run quietly for 5 s; then
 * one random non-seed node is shut down (no leave) and the time until the first member suspects it
 * (memberlist logs "Suspect <name> has failed" when its own probe fails, which is where every first
 * suspicion comes from) is measured on this process's monotonic clock. A fresh cluster per trial.
 *
 * Usage: pnpm bench:memberlist [--nodes 50] [--trials 15]. Progress on stderr; one JSON line on
 * stdout: the sorted values, median, min and max, in seconds.
 */
import { buildGoTool, GoCluster, goMissing } from "../src/index.js";

const SETTLE_MS = 5_000;
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

const nodes = flag("--nodes", 50, 3);
const trials = flag("--trials", 15, 1);
const missing = goMissing();
if (missing !== undefined) {
  console.error(missing);
  process.exit(2);
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function trial(): Promise<number> {
  const go = await GoCluster.start(buildGoTool(), { nodes, preset: "lan", verbose: true });
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
for (let t = 1; t <= trials; t++) {
  const s = await trial();
  values.push(s);
  console.error(`memberlist fail N=${nodes} trial ${t}/${trials}: first suspect ${s.toFixed(3)} s`);
}
values.sort((a, b) => a - b);
const round = (x: number) => Math.round(x * 1000) / 1000;
const median =
  values.length % 2 === 1
    ? (values[(values.length - 1) / 2] as number)
    : ((values[values.length / 2 - 1] as number) + (values[values.length / 2] as number)) / 2;
console.log(
  JSON.stringify({
    system: "memberlist 0.2.2",
    scenario: "fail",
    nodes,
    trials,
    firstSuspectS: {
      median: round(median),
      min: round(values[0] as number),
      max: round(values[values.length - 1] as number),
      values: values.map(round),
    },
  }),
);
