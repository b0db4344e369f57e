import { MemoryNetwork, seededRandom, VirtualClock } from "@grapevine/transport-memory";
import { Cluster, type ClusterEvent, type ClusterOptions, seededRng } from "../src/index.js";

/** A simulated cluster on the memory network and a virtual clock. */
export interface TestCluster {
  readonly clock: VirtualClock;
  readonly network: MemoryNetwork;
  readonly nodes: Cluster[];
  /** Every event of every node, as text lines (for determinism checks). */
  readonly log: string[];
  byName(name: string): Cluster;
  /** Runs virtual time until `predicate` holds (checked every `stepMs`) or `limitMs` passes. */
  runUntil(predicate: () => boolean, limitMs: number, stepMs?: number): Promise<number>;
}

function describeEvent(e: ClusterEvent): string {
  if (e.type === "key-changed") {
    const v = e.newValue ? new TextDecoder().decode(e.newValue) : "∅";
    return `${e.type} ${e.owner}/${e.key}=${v}@${e.version}`;
  }
  if (e.type === "user-message") return `${e.type} ${e.from} ${e.name}`;
  if (e.type === "health-changed") return `${e.type} ${e.previous}→${e.state}`;
  if (e.type === "shared-changed") return `${e.type} ${e.key} by ${e.writer}`;
  return `${e.type} ${e.member.name} inc=${e.member.incarnation}`;
}

/** Starts `n` nodes named n0..n{n-1}; node i > 0 joins through n0 (and n1, n2 when present). */
export async function startCluster(
  n: number,
  seed: number,
  overrides: Partial<ClusterOptions> = {},
  perNode: (index: number) => Partial<ClusterOptions> = () => ({}),
): Promise<TestCluster> {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({
    clock,
    rng: seededRandom(seed),
    latency: { meanMs: 1, jitterMs: 0.5 },
  });
  const nodes: Cluster[] = [];
  const log: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `n${i}`;
    const transport = await network.bind(`mem://${name}`);
    const node = Cluster.create({
      name,
      transports: [transport],
      clock,
      rng: seededRng(`${seed}:${name}`),
      generation: 1,
      preset: "lan",
      ...overrides,
      ...perNode(i),
    });
    node.on("*", (e) => log.push(`${clock.now().toFixed(3)} ${name} ${describeEvent(e)}`));
    await node.start();
    nodes.push(node);
  }
  const seeds = nodes.slice(0, Math.min(3, n)).map((c) => c.addresses[0]!);
  for (const node of nodes.slice(1)) void node.join(seeds);
  const byName = (name: string): Cluster => {
    const node = nodes.find((c) => c.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  };
  const runUntil = async (predicate: () => boolean, limitMs: number, stepMs = 100) => {
    const start = clock.now();
    while (!predicate()) {
      if (clock.now() - start >= limitMs) {
        throw new Error(`condition not reached within ${limitMs} ms of virtual time`);
      }
      await clock.runFor(stepMs);
    }
    return clock.now() - start;
  };
  return { clock, network, nodes, log, byName, runUntil };
}

/** True when every node in `nodes` lists exactly `names` as alive. */
export function allSeeAlive(nodes: readonly Cluster[], names: readonly string[]): boolean {
  return nodes.every((node) => {
    const alive = node
      .members()
      .filter((m) => m.status === "alive")
      .map((m) => m.name);
    return alive.length === names.length && names.every((x) => alive.includes(x));
  });
}
