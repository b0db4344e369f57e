import { describe, expect, it } from "vitest";
import { ByteBudget } from "./byte-budget.js";

describe("ByteBudget", () => {
  it("reserves up to the limit exactly and refuses beyond it without taking anything", () => {
    const budget = new ByteBudget(100);
    expect(budget.tryReserve(60)).toBe(true);
    expect(budget.tryReserve(41)).toBe(false);
    expect(budget.inUse).toBe(60);
    expect(budget.tryReserve(40)).toBe(true);
    expect(budget.inUse).toBe(100);
    expect(budget.tryReserve(1)).toBe(false);
    expect(budget.tryReserve(0)).toBe(true);
  });

  it("makes released bytes available again", () => {
    const budget = new ByteBudget(100);
    budget.tryReserve(70);
    budget.tryReserve(30);
    budget.release(70);
    expect(budget.inUse).toBe(30);
    expect(budget.tryReserve(70)).toBe(true);
    budget.release(70);
    budget.release(30);
    expect(budget.inUse).toBe(0);
  });
});
