import { describe, expect, it } from "vitest";
import { systemClock } from "../src/index.js";

describe("systemClock", () => {
  it("never fires a timer before its time by now(), fractions of a millisecond included", async () => {
    // Node's timers run on the loop's whole-millisecond clock, behind performance.now() by up to
    // a millisecond: a timer due at a fraction of a millisecond could fire just before it.
    const delays = Array.from({ length: 40 }, (_, i) => 1 + i * 0.37);
    const lateBy = await Promise.all(
      delays.map(
        (delay) =>
          new Promise<number>((resolve) => {
            const due = systemClock.now() + delay;
            systemClock.setTimeout(() => resolve(systemClock.now() - due), delay);
          }),
      ),
    );
    expect(lateBy.filter((late) => late < 0)).toEqual([]);
  });

  it("clearTimeout cancels a timer, also while it waits out an early wake", async () => {
    let ran = 0;
    const handle = systemClock.setTimeout(() => ran++, 15);
    await new Promise((resolve) => setTimeout(resolve, 2));
    systemClock.clearTimeout(handle);
    const done = new Promise((resolve) => systemClock.setTimeout(() => resolve(undefined), 40));
    await done;
    expect(ran).toBe(0);
  });
});
