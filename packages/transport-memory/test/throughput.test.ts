import { seededRng } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import { MemoryNetwork, VirtualClock } from "../src/index.js";

// Micro-benchmarks: they report events per second and check only that the work was done;
// timing is never asserted (shared CI machines vary too much).
function report(what: string, events: number, ms: number): void {
  const perSecond = Math.round(events / (ms / 1000));
  console.log(
    `${what}: ${events} events in ${ms.toFixed(0)} ms = ${perSecond.toLocaleString("en")} events/s`,
  );
}

describe("VirtualClock throughput", () => {
  it("10,000 periodic timers, synchronous callbacks (settle: null)", async () => {
    const clock = new VirtualClock({ settle: null });
    const random = seededRng(1);
    const events = 1_000_000;
    let fired = 0;
    for (let node = 0; node < 10_000; node++) {
      const period = 100 + random.next() * 900;
      const tick = (): void => {
        fired++;
        if (fired + clock.pending < events) clock.setTimeout(tick, period);
      };
      clock.setTimeout(tick, random.next() * period);
    }
    const start = performance.now();
    await clock.runUntilIdle(Number.POSITIVE_INFINITY);
    report("timers, distinct float times, no settling", fired, performance.now() - start);
    expect(fired).toBe(events);
  });

  it("10,000 periodic timers on whole milliseconds, settling after each timestamp", async () => {
    const clock = new VirtualClock();
    const events = 1_000_000;
    let fired = 0;
    for (let node = 0; node < 10_000; node++) {
      const tick = (): void => {
        fired++;
        if (fired + clock.pending < events) clock.setTimeout(tick, 200);
      };
      clock.setTimeout(tick, node % 200);
    }
    const start = performance.now();
    await clock.runUntilIdle(Number.POSITIVE_INFINITY);
    report("timers, whole ms (50 per timestamp), settling", fired, performance.now() - start);
    expect(fired).toBe(events);
  });

  it("1,000 nodes exchanging datagrams through a MemoryNetwork, async consumers", async () => {
    const clock = new VirtualClock();
    const random = seededRng(2);
    const network = new MemoryNetwork({ clock, rng: random, latency: 1, loss: 0.01 });
    const nodes = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => network.bind(`mem://n${i}`)),
    );
    const payload = new Uint8Array(200);
    let received = 0;
    for (const node of nodes) {
      void (async () => {
        for await (const _ of node.datagrams()) received++;
      })();
    }
    // Each node sends to a random peer every 10 ms for 2 virtual seconds.
    for (const node of nodes) {
      const tick = (): void => {
        if (clock.now() >= 2000) return;
        node.send(nodes[Math.floor(random.next() * nodes.length)]!.address, payload);
        clock.setTimeout(tick, 10);
      };
      clock.setTimeout(tick, Math.floor(random.next() * 10));
    }
    const start = performance.now();
    await clock.runUntilIdle();
    const elapsed = performance.now() - start;
    report("network: sends + deliveries (timer events)", clock.firedCount, elapsed);
    report("network: datagrams delivered", received, elapsed);
    const total = network.counters();
    expect(total.datagramsDelivered).toBe(received);
    expect(total.datagramsDelivered + total.datagramsDropped).toBe(total.datagramsSent);
    network.closeAll();
  });
});
