/**
 * The probe round-trip histogram: each direct ping's time to its ack, counted by the core as plain
 * data (on the virtual clock), with coordinates on or off.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyProbeRttHistogram, observeProbeRtt, PROBE_RTT_BOUNDS_MS } from "../src/probe-rtt.js";
import { CoreNet, converge } from "./harness.js";

describe("probe RTT histogram", () => {
  it("puts a sample in the first bucket whose bound holds it; above every bound, in the last", () => {
    const h = emptyProbeRttHistogram();
    observeProbeRtt(h, 0);
    observeProbeRtt(h, 1);
    observeProbeRtt(h, 1.0001);
    observeProbeRtt(h, 60_000);
    observeProbeRtt(h, -1);
    observeProbeRtt(h, Number.NaN);
    expect(h.count).toBe(4);
    expect(h.counts[0]).toBe(1);
    expect(h.counts[PROBE_RTT_BOUNDS_MS.indexOf(1)]).toBe(1);
    expect(h.counts[PROBE_RTT_BOUNDS_MS.indexOf(2.5)]).toBe(1);
    expect(h.counts[PROBE_RTT_BOUNDS_MS.length]).toBe(1);
    expect(h.sumMs).toBeCloseTo(60_002.0001);
  });

  it("counts every valid sample once, in a bucket that holds it", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 20_000, noNaN: true })), (samples) => {
        const h = emptyProbeRttHistogram();
        for (const s of samples) observeProbeRtt(h, s);
        expect(h.count).toBe(samples.length);
        expect(h.counts.reduce((a, b) => a + b, 0)).toBe(samples.length);
        const cumulative = (bound: number) => samples.filter((s) => s <= bound).length;
        let running = 0;
        for (const [i, bound] of PROBE_RTT_BOUNDS_MS.entries()) {
          running += h.counts[i]!;
          expect(running).toBe(cumulative(bound));
        }
      }),
      { seed: 23 },
    );
  });

  for (const coordinates of [true, false]) {
    it(`the core times each direct ping to its ack (coordinates ${coordinates ? "on" : "off"})`, () => {
      const net = new CoreNet(["a", "b", "c"], 5, undefined, () => ({ coordinates }));
      converge(net);
      // Each way takes 15 ms: every round trip is 30 ms of virtual time.
      net.runDelayed(20_000, 15);
      for (const name of ["a", "b", "c"]) {
        const h = net.core(name).counters.probeRtt;
        expect(h.count, name).toBeGreaterThan(10);
        expect(h.counts[PROBE_RTT_BOUNDS_MS.indexOf(50)], name).toBe(h.count);
        // Pings sent from a tick join the delayed queue one ms later (the loop above).
        expect(h.sumMs / h.count, name).toBeGreaterThanOrEqual(30);
        expect(h.sumMs / h.count, name).toBeLessThanOrEqual(31);
        const acked = net.core(name).detector.counters.probesAcked;
        expect(h.count, name).toBeLessThanOrEqual(acked);
      }
    });
  }
});
