import { afterEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../src/index.js";

/** Resolves on the next turn of the event loop (its clock was just read). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("systemClock", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("sets Node's timer a millisecond later than asked, to cover the loop clock's rounding", () => {
    const set = vi.spyOn(globalThis, "setTimeout");
    for (const delay of [0, 0.4, 1, 99.6, 1000]) {
      systemClock.clearTimeout(systemClock.setTimeout(() => {}, delay));
      expect(set).toHaveBeenLastCalledWith(expect.any(Function), delay + 1);
    }
    systemClock.clearTimeout(systemClock.setTimeout(() => {}, -5));
    expect(set).toHaveBeenLastCalledWith(expect.any(Function), 1);
  });

  it("fires a timer no earlier than asked, by its own now()", async () => {
    // Node counts timers in whole milliseconds of the loop's clock: a timer set for exactly a
    // fractional delay fires up to 1 ms early by performance.now() about half the time.
    const early: number[] = [];
    for (let i = 0; i < 30; i++) {
      await nextTurn();
      const delay = 1.3 + i * 0.37;
      const start = systemClock.now();
      const late = await new Promise<number>((resolve) => {
        systemClock.setTimeout(() => resolve(systemClock.now() - start - delay), delay);
      });
      if (late < 0) early.push(late);
    }
    // A timer can still come early when the loop was busy before it was set: a few may. Set for
    // exactly the delay, about two thirds of these come early.
    expect(early.length, `early by ${early.map((e) => e.toFixed(3)).join(", ")} ms`).toBeLessThan(
      6,
    );
  });

  it("clears a timer", async () => {
    let fired = false;
    const handle = systemClock.setTimeout(() => {
      fired = true;
    }, 1);
    systemClock.clearTimeout(handle);
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
    expect(fired).toBe(false);
  });
});
