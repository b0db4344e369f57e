/**
 * N Grapevine nodes on real UDP + TCP transports on loopback, all in this process (one Node.js
 * thread), with the LAN preset: start, join in parallel through one seed, wait for convergence,
 * wait for quiet, stop. Waits poll cluster state on a short interval with a bounded deadline.
 */
import { Cluster } from "@grapevine/cluster";
import { bindUdp } from "@grapevine/transport-udp";
import { CountingTransport } from "./wire.js";

/** One node of a bench cluster. */
export interface BenchNode {
  readonly name: string;
  readonly cluster: Cluster;
  readonly wire: CountingTransport;
}

/** Milliseconds on the monotonic clock. */
export function nowMs(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `done()` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function until(
  what: string,
  done: () => boolean,
  timeoutMs: number,
  everyMs = 10,
): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  while (!done()) {
    if (nowMs() > deadline) throw new Error(`bench net: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Settings of a bench cluster beyond the LAN preset. */
export interface BenchClusterOptions {
  /** Network coordinates (default true, as a cluster's own default). */
  readonly coordinates?: boolean;
}

/** Binds and starts `n` nodes named `n0`… on 127.0.0.1 (not joined yet). */
export async function startNodes(
  n: number,
  tag: string,
  options: BenchClusterOptions = {},
): Promise<BenchNode[]> {
  const nodes: BenchNode[] = [];
  const coordinates = options.coordinates ?? true;
  for (let i = 0; i < n; i++) {
    const wire = new CountingTransport(await bindUdp({ bind: "udp://127.0.0.1:0" }));
    const name = `${tag}-n${i}`;
    const cluster = await Cluster.start({ name, transports: [wire], preset: "lan", coordinates });
    nodes.push({ name, cluster, wire });
  }
  return nodes;
}

/** Every running node sees `expected` alive members (itself included). */
export function converged(nodes: readonly BenchNode[], expected: number): boolean {
  for (const node of nodes) {
    if (node.cluster.status === "running" && node.cluster.aliveCount() !== expected) return false;
  }
  return true;
}

/**
 * All nodes but the seed join through `nodes[0]` at once; resolves with ms from the first join
 * call until every node sees all `nodes.length` members alive.
 */
export async function joinAll(nodes: readonly BenchNode[], timeoutMs = 60_000): Promise<number> {
  const seed = nodes[0]!.cluster.addresses;
  const started = nowMs();
  for (const node of nodes.slice(1)) void node.cluster.join(seed);
  await until("convergence", () => converged(nodes, nodes.length), timeoutMs, 5);
  return nowMs() - started;
}

/** Waits until no node has broadcasts queued (the join's gossip has died down). */
export async function quiet(nodes: readonly BenchNode[], timeoutMs = 60_000): Promise<void> {
  await until(
    "gossip queues to drain",
    () =>
      nodes.every((node) => {
        if (node.cluster.status !== "running") return true;
        const depth = node.cluster.queueDepth();
        return depth.membership === 0 && depth.state === 0;
      }),
    timeoutMs,
    50,
  );
}

/** A converged, quiet cluster of `n` nodes, plus `settleMs` of ordinary running. */
export async function convergedCluster(
  n: number,
  tag: string,
  settleMs = 2000,
  options: BenchClusterOptions = {},
): Promise<BenchNode[]> {
  const nodes = await startNodes(n, tag, options);
  await joinAll(nodes);
  await quiet(nodes);
  await sleep(settleMs);
  return nodes;
}

/** Shuts every node down (no leave: nothing to wait for). */
export async function stopAll(nodes: readonly BenchNode[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.cluster.shutdown()));
}
