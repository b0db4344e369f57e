import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  awarenessScaledTimeout,
  dynamicSuspicionTimeout,
  expectedConfirmations,
  nackTimeout,
  PROBE_LATENESS_ABSORBED,
  probePeriodEnd,
  pushPullInterval,
  retransmitLimit,
  suspicionTimeout,
} from "./formulas.js";

describe("suspicionTimeout (SWIM §4.2)", () => {
  it.each([0, 1, 2, 5, 10])("is suspicionMult · probeInterval with %i members (up to 10)", (n) => {
    expect(suspicionTimeout(4, n, 1000)).toBe(4000);
  });
  it("grows with log10 N beyond 10 members", () => {
    expect(suspicionTimeout(4, 100, 1000)).toBe(8000);
    expect(suspicionTimeout(4, 1000, 1000)).toBe(12000);
    expect(suspicionTimeout(4, 10_000, 1000)).toBe(16000);
    expect(suspicionTimeout(6, 100, 5000)).toBe(60000);
    expect(suspicionTimeout(4, 50, 1000)).toBe(Math.floor(4 * Math.log10(50) * 1000));
  });
});

describe("dynamicSuspicionTimeout (Lifeguard §3.2)", () => {
  it("starts at max and reaches min after K confirmations", () => {
    expect(dynamicSuspicionTimeout(0, 3, 2000, 12000)).toBe(12000);
    expect(dynamicSuspicionTimeout(3, 3, 2000, 12000)).toBe(2000);
  });
  it("follows max − (max − min)·log(C+1)/log(K+1)", () => {
    const expected = Math.floor(12000 - (10000 * Math.log(2)) / Math.log(4));
    expect(dynamicSuspicionTimeout(1, 3, 2000, 12000)).toBe(expected);
    expect(dynamicSuspicionTimeout(1, 3, 2000, 12000)).toBe(7000);
  });
  it("decreases monotonically and never drops below min", () => {
    let previous = Number.POSITIVE_INFINITY;
    for (let c = 0; c <= 10; c++) {
      const t = dynamicSuspicionTimeout(c, 4, 3000, 18000);
      expect(t).toBeLessThanOrEqual(previous);
      expect(t).toBeGreaterThanOrEqual(3000);
      previous = t;
    }
  });
  it("is min when no confirmations are expected", () => {
    expect(dynamicSuspicionTimeout(0, 0, 2000, 12000)).toBe(2000);
  });
});

describe("expectedConfirmations", () => {
  it("is suspicionMult − 2, or 0 in clusters too small to provide them", () => {
    expect(expectedConfirmations(4, 100)).toBe(2);
    expect(expectedConfirmations(4, 4)).toBe(2);
    expect(expectedConfirmations(4, 3)).toBe(0);
    expect(expectedConfirmations(6, 10)).toBe(4);
    expect(expectedConfirmations(1, 10)).toBe(0);
  });
});

describe("retransmitLimit (SWIM §4.1)", () => {
  it("is retransmitMult · ⌈log10(N+1)⌉", () => {
    expect(retransmitLimit(4, 0)).toBe(0);
    expect(retransmitLimit(4, 1)).toBe(4);
    expect(retransmitLimit(4, 9)).toBe(4);
    expect(retransmitLimit(4, 10)).toBe(8);
    expect(retransmitLimit(4, 99)).toBe(8);
    expect(retransmitLimit(4, 100)).toBe(12);
    expect(retransmitLimit(3, 10_000)).toBe(15);
  });
});

describe("awarenessScaledTimeout (Lifeguard §3.1)", () => {
  it("multiplies by score + 1", () => {
    expect(awarenessScaledTimeout(500, 0)).toBe(500);
    expect(awarenessScaledTimeout(500, 1)).toBe(1000);
    expect(awarenessScaledTimeout(1000, 7)).toBe(8000);
  });
});

describe("pushPullInterval", () => {
  it("is unscaled up to 32 members, then proportional to N", () => {
    expect(pushPullInterval(30_000, 1)).toBe(30_000);
    expect(pushPullInterval(30_000, 32)).toBe(30_000);
    expect(pushPullInterval(30_000, 33)).toBe(60_000);
    expect(pushPullInterval(30_000, 64)).toBe(60_000);
    expect(pushPullInterval(30_000, 65)).toBe(90_000);
    expect(pushPullInterval(30_000, 10_000)).toBe(30_000 * 313);
  });

  it("keeps each member's push-pull bytes per second constant as N grows", () => {
    // Bytes of one exchange grow as N; exchanges per member per second shrink as 1/N.
    const perMember = (n: number) => n / pushPullInterval(30_000, n);
    const asymptote = 32 / 30_000;
    for (const n of [64, 100, 1_000, 10_000]) {
      expect(perMember(n) / asymptote).toBeGreaterThan(0.75);
      expect(perMember(n) / asymptote).toBeLessThanOrEqual(1);
    }
  });
});

describe("nackTimeout", () => {
  it("is 80% of the probe timeout", () => {
    expect(nackTimeout(500)).toBe(400);
    expect(nackTimeout(3000)).toBe(2400);
  });
});

describe("probePeriodEnd", () => {
  it("is the period's planned end when the period starts on time", () => {
    expect(probePeriodEnd(5_000, 5_000, 1_000)).toBe(6_000);
  });
  it("is the first point of the schedule that leaves the probe most of a period", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 9 }),
        fc.integer({ min: 0, max: 10 ** 6 }),
        fc.integer({ min: 1, max: 60_000 }),
        (dueAt, late, interval) => {
          const now = dueAt + late;
          const end = probePeriodEnd(dueAt, now, interval);
          const periods = (end - dueAt) / interval;
          expect(Number.isInteger(periods) && periods >= 1).toBe(true);
          expect(end).toBeGreaterThanOrEqual(now + (1 - PROBE_LATENESS_ABSORBED) * interval);
          // The first such point: one period earlier would leave too little, or be the start.
          const earlier = end - interval;
          expect(
            earlier === dueAt || earlier < now + (1 - PROBE_LATENESS_ABSORBED) * interval,
          ).toBe(true);
        },
      ),
    );
  });
});
