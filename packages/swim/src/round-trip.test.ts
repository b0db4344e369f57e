import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RoundTripEstimator } from "./round-trip.js";

describe("RoundTripEstimator", () => {
  it("gives the maximum until a round trip is measured", () => {
    expect(new RoundTripEstimator().timeout(100, 500)).toBe(500);
  });

  it("follows RFC 6298: srtt + 4·rttvar, first sample R giving 3R", () => {
    const rtt = new RoundTripEstimator();
    rtt.observe(50);
    expect(rtt.timeout(0, 1000)).toBe(150);
    rtt.observe(50);
    // rttvar 0.75·25 = 18.75; srtt 50.
    expect(rtt.timeout(0, 1000)).toBe(125);
    rtt.observe(130);
    // rttvar 0.75·18.75 + 0.25·80 = 34.0625; srtt 0.875·50 + 0.125·130 = 60.
    expect(rtt.timeout(0, 1000)).toBeCloseTo(60 + 4 * 34.0625, 9);
  });

  it("ignores negative and non-finite samples", () => {
    const rtt = new RoundTripEstimator();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) rtt.observe(bad);
    expect(rtt.timeout(100, 500)).toBe(500);
  });

  it("stays within its bounds whatever it measured", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 1e6, noNaN: false }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 5000 }),
        (samples, min, extra) => {
          const rtt = new RoundTripEstimator();
          for (const s of samples) rtt.observe(s);
          const t = rtt.timeout(min, min + extra);
          return t >= min && t <= min + extra;
        },
      ),
    );
  });
});
