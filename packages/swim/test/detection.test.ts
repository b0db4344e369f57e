/**
 * Failure detection time (SWIM §3.1, §4.3) on the virtual clock: the expected first-detection
 * time of a crashed member, and the worst case of the round-robin probe walk.
 */
import { describe, expect, it } from "vitest";
import { swimConfig, worstCaseProbeGap } from "../src/index.js";
import { Harness } from "./harness.js";

const PERIOD = 1000;

/**
 * One run: `size` members start together at t = 0 (so their protocol periods are aligned, as
 * in the paper's analysis), one crashes in the middle of period `crashPeriod`; returns the
 * number of whole protocol periods from the next period boundary to the first suspicion
 * anywhere (1 = suspected at the end of the very first period after the crash).
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
  const boundary = (crashPeriod + 1) * PERIOD;
  for (let t = boundary; suspectedAt < 0 && t < boundary + 200 * PERIOD; t += PERIOD) {
    h.runUntil(t);
  }
  expect(suspectedAt).toBeGreaterThan(0);
  return (suspectedAt - boundary) / PERIOD;
}

describe("first detection of a crashed member", () => {
  it("takes e/(e−1) ≈ 1.58 protocol periods on average, never more than the stated bound", () => {
    const size = 32;
    const runs = 300;
    const periods: number[] = [];
    for (let seed = 0; seed < runs; seed++) {
      periods.push(firstDetection(seed + 1, size, 5 + (seed % 17)));
    }
    const mean = periods.reduce((a, b) => a + b, 0) / runs;
    const worst = Math.max(...periods);
    console.info(
      `first detection over ${runs} seeds, N=${size}: mean ${mean.toFixed(3)} periods ` +
        `(SWIM: e/(e-1) = ${(Math.E / (Math.E - 1)).toFixed(3)}), worst ${worst}, ` +
        `bound ${worstCaseProbeGap(size - 1) + 1}`,
    );
    // Every suspicion lands exactly at the end of a protocol period.
    for (const p of periods) expect(Number.isInteger(p)).toBe(true);
    expect(mean).toBeGreaterThan(1.35);
    expect(mean).toBeLessThan(1.8);
    // Stated bound: each prober probes the crashed member within 2n − 1 periods of the
    // crash (n = 31 others) and suspects it one period later.
    expect(worst).toBeLessThanOrEqual(worstCaseProbeGap(size - 1) + 1);
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
