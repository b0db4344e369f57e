import { describe, expect, it } from "vitest";
import { Suspicion } from "./suspicion.js";

describe("Suspicion (Lifeguard §3.2)", () => {
  const params = {
    from: "a",
    startedAt: 1000,
    minMs: 4000,
    maxMs: 24000,
    expectedConfirmations: 2,
  };

  it("times out at max without confirmations", () => {
    expect(new Suspicion(params).deadline()).toBe(25000);
  });
  it("counts only independent confirmations, up to K", () => {
    const s = new Suspicion(params);
    expect(s.confirm("a")).toBe(false);
    expect(s.confirm("b")).toBe(true);
    expect(s.confirm("b")).toBe(false);
    const afterOne = s.deadline();
    expect(afterOne).toBeLessThan(25000);
    expect(afterOne).toBe(1000 + Math.floor(24000 - (20000 * Math.log(2)) / Math.log(3)));
    expect(s.confirm("c")).toBe(true);
    expect(s.deadline()).toBe(5000);
    expect(s.confirm("d")).toBe(false);
    expect(s.confirmations).toBe(2);
  });
  it("with K = 0 is a fixed timeout of min", () => {
    const s = new Suspicion({ ...params, maxMs: 4000, expectedConfirmations: 0 });
    expect(s.deadline()).toBe(5000);
    expect(s.confirm("b")).toBe(false);
  });
});
