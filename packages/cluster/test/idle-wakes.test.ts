/**
 * A quiet member wakes for its probes and for what arrives, not for gossip rounds with nothing to
 * send: counted on the virtual clock, as timer callbacks the runtime's clock fires.
 */

import { NodeCore } from "@grapevine/node";
import { MemoryNetwork, seededRandom, VirtualClock } from "@grapevine/transport-memory";
import { describe, expect, it, vi } from "vitest";
import type { Clock } from "../../protocol/src/clock.js";
import { Cluster, seededRng } from "../src/index.js";

/**
 * `clock`, counting the timer callbacks fired through it; with `early`, a timer of a millisecond
 * or more fires that much before its time, as Node's whole-millisecond timer clock can.
 */
function counting(clock: VirtualClock, early = 0): Clock & { fired: number } {
  const c = {
    fired: 0,
    now: () => clock.now(),
    setTimeout: (fn: () => void, ms: number) =>
      clock.setTimeout(
        () => {
          c.fired += 1;
          fn();
        },
        ms >= 1 ? ms - early : ms,
      ),
    clearTimeout: (handle: Parameters<Clock["clearTimeout"]>[0]) => clock.clearTimeout(handle),
  };
  return c;
}

/** Five members joined on the LAN preset, then 20 quiet seconds: steps per member per second. */
async function quietSteps(early: number): Promise<{ fired: number[]; ticks: number }> {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, rng: seededRandom(11), latency: { meanMs: 1 } });
  const clocks: ReturnType<typeof counting>[] = [];
  const nodes: Cluster[] = [];
  for (const name of ["a", "b", "c", "d", "e"]) {
    const own = counting(clock, early);
    clocks.push(own);
    const node = Cluster.create({
      name,
      transports: [await network.bind(`mem://${name}`)],
      clock: own,
      rng: seededRng(`wakes:${name}`),
      generation: 1,
      preset: "lan",
    });
    await node.start();
    nodes.push(node);
  }
  for (const node of nodes.slice(1)) void node.join(nodes[0]!.addresses);
  while (!nodes.every((n) => n.aliveCount() === 5)) await clock.runFor(100);
  await clock.runFor(10_000); // the join's news drains
  const before = clocks.map((c) => c.fired);
  const ticks = vi.spyOn(NodeCore.prototype, "tick");
  const seconds = 20;
  await clock.runFor(seconds * 1000);
  const tickRate = ticks.mock.calls.length / nodes.length / seconds;
  ticks.mockRestore();
  expect(nodes.every((n) => n.aliveCount() === 5)).toBe(true);
  // Nothing is left queued that would keep the rounds awake.
  for (const n of nodes) expect(n.queueDepth()).toEqual({ membership: 0, state: 0 });
  await Promise.all(nodes.map((n) => n.shutdown()));
  return { fired: clocks.map((c, i) => (c.fired - before[i]!) / seconds), ticks: tickRate };
}

describe("idle wake-ups", () => {
  it("a converged, quiet member on the LAN preset wakes about once per probe period, not for every gossip round nor for a probe's timeout after its ack", async () => {
    const { fired, ticks } = await quietSteps(0);
    // The LAN preset gossips every 200 ms: waking for each round alone is 5 a second, and an
    // anti-entropy period is 1 s. What is left: the probe period (1 s) and push-pull, reconnect.
    // Nor for a probe's timeout once its ack is in: the timer moves to the next probe, so what is
    // left is about one wake-up per probe period (push-pull and reconnect are rare).
    for (const rate of fired) expect(rate).toBeLessThan(1.5);
    expect(ticks).toBeLessThan(1.5);
  });

  it("a timer that fires a fraction of a millisecond early does not step the core with nothing due", async () => {
    // Each such wake-up costs a second timer, not a second step.
    const { ticks } = await quietSteps(0.5);
    expect(ticks).toBeLessThan(1.5);
  });
});
