import { buildGoTool, GoCluster, type GoClusterOptions } from "./go-tool.js";
import { GvNode, type GvNodeOptions } from "./gv-process.js";

/** Go nodes (one process) and Grapevine nodes (a process each) in one memberlist cluster. */
export interface MixedCluster {
  readonly go: GoCluster;
  readonly gv: GvNode[];
  /** Every member's name. */
  readonly names: string[];
  stop(): Promise<void>;
}

/**
 * Starts `goNodes` Go nodes joined to go-0, then Grapevine nodes named `gvNames` joining through
 * every Go node (memberlist's `Join` push-pulls with each seed it is given, and so does ours),
 * and waits until every node has seen every other one join (events, bounded by `timeoutMs`).
 */
export async function startMixed(
  go: Omit<GoClusterOptions, "nodes"> & { readonly nodes: number },
  gvNames: readonly string[],
  gvOptions: GvNodeOptions = {},
  timeoutMs = 5_000,
): Promise<MixedCluster & { readonly joinedInMs: number }> {
  const goCluster = await GoCluster.start(buildGoTool(), go);
  const gv: GvNode[] = [];
  const stop = async () => {
    await Promise.all([goCluster.stop(), ...gv.map((n) => n.stop())]);
  };
  try {
    gv.push(...(await Promise.all(gvNames.map((name) => GvNode.start(name, gvOptions)))));
    const started = Date.now();
    // One after another, each through every member already there (memberlist's Join push-pulls
    // with each address it is given, and so does ours). Through one seed only, a later joiner
    // reaches an earlier one by gossip alone: an alive is sent RetransmitMult·⌈log10(N+1)⌉ times
    // (2 here) to random members, and misses a given member a few times in a hundred until the
    // periodic push-pull (15 s with the local preset).
    await joinGoNodes(goCluster, go.nodes);
    const seeds = [...goCluster.addresses];
    for (const node of gv) {
      await node.join(seeds);
      seeds.push(node.address);
    }
    const names = [...goCluster.names, ...gvNames];
    await allJoined({ go: goCluster, gv, names, stop }, timeoutMs);
    return { go: goCluster, gv, names, stop, joinedInMs: Date.now() - started };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Waits until every node reported every other member's join. */
export async function allJoined(cluster: MixedCluster, timeoutMs: number): Promise<void> {
  const waits: Promise<unknown>[] = [];
  cluster.go.names.forEach((self, i) => {
    for (const name of cluster.names) {
      if (name === self) continue;
      waits.push(
        cluster.go.waitFor(
          (e) => e.event === "join" && e.node === i && e.member === name,
          timeoutMs,
        ),
      );
    }
  });
  for (const node of cluster.gv) {
    for (const name of cluster.names) {
      if (name === node.name) continue;
      waits.push(node.waitFor((e) => e.event === "member-joined" && e.member === name, timeoutMs));
    }
  }
  await Promise.all(waits);
}

/** Joins Go node i through nodes 0 … i−1, one after another. */
export async function joinGoNodes(go: GoCluster, nodes: number): Promise<void> {
  for (let i = 1; i < nodes; i++) {
    const reply = go.waitFor((e) => e.event === "joined" && e.node === i, 10_000);
    go.command({ cmd: "join", node: i, addrs: go.addresses.slice(0, i) });
    await reply;
  }
}
