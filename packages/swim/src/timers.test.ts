import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TimerSet } from "./timers.js";

describe("TimerSet", () => {
  it("reports Infinity when empty", () => {
    expect(new TimerSet<string>().nextAt()).toBe(Number.POSITIVE_INFINITY);
  });
  it("fires due timers in time order, ties in scheduling order", () => {
    const t = new TimerSet<string>();
    t.schedule(30, "c");
    t.schedule(10, "a1");
    t.schedule(20, "b");
    t.schedule(10, "a2");
    expect(t.nextAt()).toBe(10);
    expect(t.popDue(5)).toBeUndefined();
    const fired: string[] = [];
    for (let p = t.popDue(20); p !== undefined; p = t.popDue(20)) fired.push(p);
    expect(fired).toEqual(["a1", "a2", "b"]);
    expect(t.nextAt()).toBe(30);
    expect(t.size).toBe(1);
  });
  it("pops in sorted order for any schedule (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (ats) => {
        const t = new TimerSet<number>();
        for (const [i, at] of ats.entries()) t.schedule(at, i);
        const out: number[] = [];
        for (let p = t.popDue(100); p !== undefined; p = t.popDue(100)) out.push(p);
        const expected = ats
          .map((at, i) => [at, i] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(out).toEqual(expected.map(([, i]) => i));
      }),
    );
  });
});
