/**
 * Failure-detection times, mixed cluster next to an all-Go cluster of the same size (5 nodes,
 * memberlist's local preset on both sides), measured in one run on loopback:
 * - all Go: a Go node is stopped silently; the time until each other Go node declares it dead;
 * - mixed (3 Go + 2 Grapevine), Go → Grapevine: a Grapevine process is killed with SIGKILL; the
 *   time until each Go node declares it dead;
 * - mixed, Grapevine → Go: a Go node is stopped silently; the time until each Grapevine node
 *   declares it dead (and, beside it, each remaining Go node).
 *
 * Usage: node --import tsx --conditions=@grapevine/source tools/memberlist-interop/src/detection-times.ts [TRIALS]
 * Prints one JSON object: per case, every observed time (ms) and their median, min and max.
 */
import { buildGoTool, GoCluster } from "./go-tool.js";
import { joinGoNodes, startMixed } from "./mixed-cluster.js";

const trials = Number(process.argv[2] ?? 5);
const timeoutMs = 30_000;

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 === 1
      ? (sorted[Math.floor(mid)] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { n: sorted.length, median, min: sorted[0], max: sorted.at(-1), times: sorted };
}

async function allGo(): Promise<number[]> {
  const go = await GoCluster.start(buildGoTool(), { nodes: 5 });
  try {
    await joinGoNodes(go, 5);
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        go.waitFor((e) => e.event === "join" && e.node === i && e.member === "go-4", 5_000),
      ),
    );
    const killedAt = Date.now();
    go.command({ cmd: "kill", node: 4 });
    const seen = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        go.waitFor((e) => e.event === "leave" && e.node === i && e.member === "go-4", timeoutMs),
      ),
    );
    return seen.map((e) => e.t - killedAt);
  } finally {
    await go.stop();
  }
}

async function goDetectsGrapevine(): Promise<number[]> {
  const c = await startMixed({ nodes: 3 }, ["gv-0", "gv-1"]);
  try {
    const killedAt = Date.now();
    c.gv[0]?.signal("SIGKILL");
    const seen = await Promise.all(
      [0, 1, 2].map((i) =>
        c.go.waitFor((e) => e.event === "leave" && e.node === i && e.member === "gv-0", timeoutMs),
      ),
    );
    return seen.map((e) => e.t - killedAt);
  } finally {
    await c.stop();
  }
}

async function grapevineDetectsGo(): Promise<{ byGv: number[]; byGo: number[] }> {
  const c = await startMixed({ nodes: 3 }, ["gv-0", "gv-1"]);
  try {
    const killedAt = Date.now();
    c.go.command({ cmd: "kill", node: 2 });
    const byGv = await Promise.all(
      c.gv.map((n) =>
        n.waitFor((e) => e.event === "member-dead" && e.member === "go-2", timeoutMs),
      ),
    );
    const byGo = await Promise.all(
      [0, 1].map((i) =>
        c.go.waitFor((e) => e.event === "leave" && e.node === i && e.member === "go-2", timeoutMs),
      ),
    );
    return { byGv: byGv.map((e) => e.t - killedAt), byGo: byGo.map((e) => e.t - killedAt) };
  } finally {
    await c.stop();
  }
}

const results = {
  allGo: [] as number[],
  goDetectsGv: [] as number[],
  gvDetectsGo: [] as number[],
  goDetectsGoMixed: [] as number[],
};
// Interleaved, so that a slow spell of the machine falls on every case alike.
for (let t = 0; t < trials; t++) {
  results.allGo.push(...(await allGo()));
  results.goDetectsGv.push(...(await goDetectsGrapevine()));
  const r = await grapevineDetectsGo();
  results.gvDetectsGo.push(...r.byGv);
  results.goDetectsGoMixed.push(...r.byGo);
}
console.log(
  JSON.stringify(
    {
      trials,
      preset: "local",
      nodes: 5,
      allGo: summary(results.allGo),
      mixedGoDetectsGrapevine: summary(results.goDetectsGv),
      mixedGrapevineDetectsGo: summary(results.gvDetectsGo),
      mixedGoDetectsGo: summary(results.goDetectsGoMixed),
    },
    null,
    1,
  ),
);
process.exit(0);
