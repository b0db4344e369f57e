/**
 * The sans-IO packages' tests run with the clock, timer and random globals stubbed out
 * (scripts/test/sans-io-stubs.ts, applied by vitest.config.ts). If this file passes, so does any
 * swim, state or node test that reads one of them: it would throw instead.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("sans-IO test stubs", () => {
  it.each([
    ["Date.now", () => Date.now()],
    ["new Date()", () => new Date()],
    ["Date()", () => (Date as unknown as () => string)()],
    ["Math.random", () => Math.random()],
    ["performance.now", () => performance.now()],
    ["setTimeout", () => setTimeout(() => undefined, 0)],
    ["setInterval", () => setInterval(() => undefined, 1000)],
    ["setImmediate", () => setImmediate(() => undefined)],
  ])("%s throws", (what, call) => {
    expect(call).toThrow(new RegExp(`${what.replace(/[().]/g, "\\$&")} called in a sans-IO`));
  });

  it("leaves pure date arithmetic alone", () => {
    expect(new Date(0).toISOString()).toBe("1970-01-01T00:00:00.000Z");
    expect(Date.UTC(2024, 0, 1)).toBe(1_704_067_200_000);
  });

  it("leaves fast-check working, on a seed it was given up front", () => {
    const seed = fc.readConfigureGlobal().seed;
    expect(Number.isInteger(seed)).toBe(true);
    fc.assert(fc.property(fc.integer(), fc.integer(), (a, b) => a + b === b + a));
    const details = fc.check(fc.property(fc.nat(), (n) => n >= 0));
    expect(details.seed).toBe(seed);
  });
});
