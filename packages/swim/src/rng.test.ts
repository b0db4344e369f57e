import { describe, expect, it } from "vitest";
import { randomIndex, seededRng } from "./rng.js";

describe("seededRng", () => {
  it("is reproducible and in [0, 1)", () => {
    const a = seededRng(42);
    const b = seededRng(42);
    for (let i = 0; i < 1000; i++) {
      const x = a.next();
      expect(x).toBe(b.next());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
  it("differs between seeds and is roughly uniform", () => {
    expect(seededRng(1).next()).not.toBe(seededRng(2).next());
    const rng = seededRng(9);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += rng.next();
    expect(Math.abs(sum / 10_000 - 0.5)).toBeLessThan(0.02);
  });
  it("randomIndex stays in range even for a generator returning 1", () => {
    expect(randomIndex({ next: () => 0.999999999 }, 3)).toBe(2);
    expect(randomIndex({ next: () => 1 }, 3)).toBe(2);
    expect(randomIndex({ next: () => 0 }, 3)).toBe(0);
  });
});
