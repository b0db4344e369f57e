import { describe, expect, it } from "vitest";
import { type CoalescerClock, EventCoalescer } from "../src/event-coalescer.js";

/** A clock whose time moves only when the test says so. */
function manualClock() {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: CoalescerClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      next += 1;
      timers.set(next, { at: now + ms, fn });
      return next;
    },
    clearTimeout: (handle) => timers.delete(handle as number),
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = end;
  };
  return { clock, advance };
}

describe("EventCoalescer (receiver side)", () => {
  it("delivers the newest of a burst once, after the burst goes quiet", () => {
    const { clock, advance } = manualClock();
    const out: Array<[string, number]> = [];
    const c = new EventCoalescer<string>((e, n) => out.push([e, n]), clock);
    c.add("deploy", "v1");
    advance(100);
    c.add("deploy", "v2");
    advance(100);
    c.add("deploy", "v3");
    advance(199);
    expect(out).toEqual([]);
    advance(1);
    expect(out).toEqual([["v3", 3]]);
    expect(c.size).toBe(0);
  });

  it("keeps the event sent last (by event time) whatever order gossip brings them in", () => {
    const { clock, advance } = manualClock();
    const out: Array<[string, number]> = [];
    const c = new EventCoalescer<string>((e, n) => out.push([e, n]), clock);
    c.add("deploy", "v2", 2);
    c.add("deploy", "v3", 3);
    c.add("deploy", "v1", 1);
    advance(200);
    expect(out).toEqual([["v3", 3]]);
  });

  it("delivers at most the coalesce period after the first, even if events keep coming", () => {
    const { clock, advance } = manualClock();
    const out: Array<[string, number]> = [];
    const c = new EventCoalescer<string>((e, n) => out.push([e, n]), clock);
    for (let i = 0; i < 20; i++) {
      c.add("tick", `t${i}`);
      advance(100);
    }
    // Sent at 0, 100, ... 1900: flushed at 1000 (t9, 10 of them) and at 2000 (t19).
    expect(out).toEqual([
      ["t9", 10],
      ["t19", 10],
    ]);
  });

  it("keeps names apart, and drops what is held on close", () => {
    const { clock, advance } = manualClock();
    const out: string[] = [];
    const c = new EventCoalescer<string>((e) => out.push(e), clock);
    c.add("a", "a1");
    c.add("b", "b1");
    c.add("a", "a2");
    advance(200);
    expect(out.sort()).toEqual(["a2", "b1"]);
    c.add("c", "c1");
    c.close();
    advance(5_000);
    expect(out).toHaveLength(2);
  });
});
