/**
 * A quiet member wakes for its probes and for what arrives, not for gossip rounds with nothing to
 * send: counted on the virtual clock, as timer callbacks the runtime's clock fires.
 */
import { MemoryNetwork, seededRandom, VirtualClock } from "@grapevine/transport-memory";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../protocol/src/clock.js";
import { Cluster, seededRng } from "../src/index.js";

/** `clock`, counting the timer callbacks fired through it. */
function counting(clock: VirtualClock): Clock & { fired: number } {
  const c = {
    fired: 0,
    now: () => clock.now(),
    setTimeout: (fn: () => void, ms: number) =>
      clock.setTimeout(() => {
        c.fired += 1;
        fn();
      }, ms),
    clearTimeout: (handle: Parameters<Clock["clearTimeout"]>[0]) => clock.clearTimeout(handle),
  };
  return c;
}

describe("idle wake-ups", () => {
  it("a converged, quiet member on the LAN preset wakes about once per probe period, not for every gossip round nor for a probe's timeout after its ack", async () => {
    const clock = new VirtualClock();
    const network = new MemoryNetwork({ clock, rng: seededRandom(11), latency: { meanMs: 1 } });
    const clocks: ReturnType<typeof counting>[] = [];
    const nodes: Cluster[] = [];
    for (const name of ["a", "b", "c", "d", "e"]) {
      const own = counting(clock);
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
    const seconds = 20;
    await clock.runFor(seconds * 1000);
    const perSecond = clocks.map((c, i) => (c.fired - before[i]!) / seconds);
    // The LAN preset gossips every 200 ms: waking for each round alone is 5 a second, and an
    // anti-entropy period is 1 s. What is left: the probe period (1 s) and push-pull, reconnect.
    // Nor for a probe's timeout once its ack is in: the timer moves to the next probe, so what is
    // left is about one wake-up per probe period (push-pull and reconnect are rare).
    for (const rate of perSecond) expect(rate).toBeLessThan(1.5);
    expect(nodes.every((n) => n.aliveCount() === 5)).toBe(true);
    // Nothing is left queued that would keep the rounds awake.
    for (const n of nodes) expect(n.queueDepth()).toEqual({ membership: 0, state: 0 });
    await Promise.all(nodes.map((n) => n.shutdown()));
  });
});
