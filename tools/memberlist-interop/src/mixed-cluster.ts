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
    // One after another, as an operator's joins would be: each joiner's push-pulls then carry
    // every earlier member, and the cluster converges without waiting for the periodic push-pull.
    for (let i = 1; i < go.nodes; i++) {
      const reply = goCluster.waitFor((e) => e.event === "joined" && e.node === i, 10_000);
      goCluster.command({ cmd: "join", node: i, addrs: [goCluster.addresses[0]] });
      await reply;
    }
    for (const node of gv) await node.join(goCluster.addresses);
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
