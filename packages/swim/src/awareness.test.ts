import { describe, expect, it } from "vitest";
import { Awareness } from "./awareness.js";

describe("Awareness (Lifeguard §3.1)", () => {
  it("starts healthy and is clamped to [0, max − 1]", () => {
    const a = new Awareness(8);
    expect(a.score).toBe(0);
    expect(a.applyDelta(-3)).toBe(0);
    expect(a.applyDelta(5)).toBe(5);
    expect(a.applyDelta(10)).toBe(7);
    expect(a.maxScore).toBe(7);
    expect(a.applyDelta(-1)).toBe(6);
  });
  it("stretches timeouts by score + 1, up to the max multiplier", () => {
    const a = new Awareness(8);
    expect(a.scale(500)).toBe(500);
    a.applyDelta(100);
    expect(a.scale(500)).toBe(4000);
  });
  it("stays at 0 when disabled (ablation)", () => {
    const a = new Awareness(8, false);
    expect(a.applyDelta(5)).toBe(0);
    expect(a.scale(500)).toBe(500);
  });
  it("with a max multiplier of 1 never stretches", () => {
    const a = new Awareness(1);
    a.applyDelta(3);
    expect(a.score).toBe(0);
  });
});
