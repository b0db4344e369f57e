/**
 * Failure detection time (SWIM §3.1, §4.3) on the virtual clock: the expected first-detection
 * time of a crashed member, and the worst case of the round-robin probe walk.
 */
import { describe, expect, it } from "vitest";
import { swimConfig, worstCaseProbeGap } from "../src/index.js";
import { Harness } from "./harness.js";

const PERIOD = 1000;

/**
 * One run: `size` members start together at t = 0, each with its first probe at a random point
 * of its first period (so probers are not in lockstep, as in a real cluster); one crashes at
 * `crashAt`. Returns the time from the crash to the first suspicion anywhere, in periods.
 */
function firstDetection(seed: number, size: number, crashPeriod: number): number {
  const h = new Harness({ seed, config: swimConfig("lan", { pushPullIntervalMs: 0 }) });
  h.addMany(size);
  h.bootstrap();
  const victim = `n${seed % size}`;
  const crashAt = crashPeriod * PERIOD + PERIOD / 2;
  h.runUntil(crashAt);
  h.crash(victim);
  let suspectedAt = -1;
  h.onEvent = (_node, event) => {
    if (suspectedAt < 0 && event.type === "suspect" && event.member.name === victim) {
      suspectedAt = event.at;
    }
  };
  for (let t = crashAt + 50; suspectedAt < 0 && t < crashAt + 200 * PERIOD; t += 50) {
    h.runUntil(t);
  }
  expect(suspectedAt).toBeGreaterThan(0);
  return (suspectedAt - crashAt) / PERIOD;
}

describe("first detection of a crashed member", () => {
  it("takes e/(e−1) protocol periods plus the probe timeout on average (±20 %), within the bound", () => {
    const size = 32;
    const runs = 300;
    const periods: number[] = [];
    for (let seed = 0; seed < runs; seed++) {
      periods.push(firstDetection(seed + 1, size, 5 + (seed % 17)));
    }
    const mean = periods.reduce((a, b) => a + b, 0) / runs;
    const worst = Math.max(...periods);
    // SWIM §3.1: some member probes the crashed one within e/(e−1) periods on average; the
    // suspicion follows the probe timeout (LAN: 500 ms of a 1 s period).
    const expected = Math.E / (Math.E - 1) + 0.5;
    console.info(
      `first detection over ${runs} seeds, N=${size}: mean ${mean.toFixed(3)} periods ` +
        `(SWIM: e/(e-1) + timeout = ${expected.toFixed(3)}), worst ${worst.toFixed(2)}, ` +
        `bound ${worstCaseProbeGap(size - 1) + 2}`,
    );
    expect(mean).toBeGreaterThan(expected * 0.8);
    expect(mean).toBeLessThan(expected * 1.2);
    // Stated bound: each prober probes the crashed member within 2n − 1 of its periods of the
    // crash (n = 31 others; +1 for its unaligned phase) and suspects it one period later.
    expect(worst).toBeLessThanOrEqual(worstCaseProbeGap(size - 1) + 2);
  });
});

describe("worst-case probe gap of the randomised round-robin walk (SWIM §4.3)", () => {
  it("no prober lets more than 2n − 1 periods pass between two probes of a live member", () => {
    const size = 8;
    const n = size - 1;
    let worst = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const h = new Harness({ seed, config: swimConfig("lan", { pushPullIntervalMs: 0 }) });
      const lastPing = new Map<string, number>();
      h.onPacket = (packet) => {
        const first = packet.messages[0];
        if (first?.type !== "ping" || first.source !== packet.from) return;
        const key = `${packet.from}>${first.target}`;
        const previous = lastPing.get(key);
        if (previous !== undefined) worst = Math.max(worst, (packet.sentAt - previous) / PERIOD);
        lastPing.set(key, packet.sentAt);
      };
      h.addMany(size);
      h.bootstrap();
      h.runFor(300 * PERIOD);
      expect(h.eventsOf({ type: "suspect" })).toEqual([]);
    }
    console.info(`worst probe gap, N=${size}: ${worst} periods (bound 2n-1 = ${2 * n - 1})`);
    expect(worst).toBeLessThanOrEqual(worstCaseProbeGap(n));
    // The bound is reached: the walk really is round-robin, not a random pick.
    expect(worst).toBeGreaterThan(n);
  });

  it("after a crash, every live prober probes the crashed member within 2n − 1 periods", () => {
    const size = 8;
    const n = size - 1;
    let worst = 0;
    for (let seed = 1; seed <= 20; seed++) {
      // A long suspicion timeout keeps the victim suspect (still probed) for the whole window.
      const config = swimConfig("lan", { pushPullIntervalMs: 0, suspicionMult: 60 });
      const h = new Harness({ seed, config });
      h.addMany(size);
      h.bootstrap();
      const crashAt = (10 + seed) * PERIOD + 100;
      h.runUntil(crashAt);
      const victim = `n${seed % size}`;
      h.crash(victim);
      const firstProbe = new Map<string, number>();
      h.onPacket = (packet) => {
        const first = packet.messages.find((m) => m.type === "ping");
        if (first?.type !== "ping" || first.target !== victim || first.source !== packet.from)
          return;
        if (!firstProbe.has(packet.from)) firstProbe.set(packet.from, packet.sentAt);
      };
      h.runFor(3 * n * PERIOD);
      expect(firstProbe.size).toBe(size - 1);
      for (const at of firstProbe.values()) worst = Math.max(worst, (at - crashAt) / PERIOD);
    }
    console.info(
      `worst first probe after a crash, N=${size}: ${worst.toFixed(1)} periods (bound ${2 * n - 1})`,
    );
    expect(worst).toBeLessThanOrEqual(worstCaseProbeGap(n));
  });
});
