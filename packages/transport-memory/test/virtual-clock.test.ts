import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../src/index.js";

describe("VirtualClock", () => {
  it("fires timers in time order, ties in insertion order, and moves now() to each", async () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    const at = (name: string, delay: number) =>
      clock.setTimeout(() => log.push(`${name}@${clock.now()}`), delay);
    at("c", 30);
    at("a", 10);
    at("b1", 20);
    at("b2", 20);
    at("a2", 10);
    expect(clock.pending).toBe(5);
    await clock.runUntil(25);
    expect(log).toEqual(["a@10", "a2@10", "b1@20", "b2@20"]);
    expect(clock.now()).toBe(25);
    expect(clock.pending).toBe(1);
    await clock.runFor(5);
    expect(log.at(-1)).toBe("c@30");
    expect(clock.now()).toBe(30);
  });

  it("never goes back in time and treats negative or NaN delays as 0", async () => {
    const clock = new VirtualClock({ startMs: 100 });
    const times: number[] = [];
    clock.setTimeout(() => times.push(clock.now()), -5);
    clock.setTimeout(() => times.push(clock.now()), Number.NaN);
    await clock.runUntil(50);
    expect(times).toEqual([]);
    expect(clock.now()).toBe(100);
    await clock.runFor(0);
    expect(times).toEqual([100, 100]);
  });

  it("clearTimeout cancels; fired, cleared and foreign handles are ignored", async () => {
    const clock = new VirtualClock();
    let fired = 0;
    const keep = clock.setTimeout(() => fired++, 5);
    const drop = clock.setTimeout(() => fired++, 5);
    clock.clearTimeout(drop);
    clock.clearTimeout(drop);
    clock.clearTimeout({});
    expect(clock.pending).toBe(1);
    await clock.runUntilIdle();
    clock.clearTimeout(keep);
    expect(fired).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it("lets promise chains settle at the time of the event that resolved them", async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const consumer = (async () => {
      await gate;
      for (let i = 0; i < 20; i++) await Promise.resolve();
      seen.push(clock.now());
      // A zero-delay timer from inside the chain still fires at this timestamp.
      clock.setTimeout(() => seen.push(clock.now()), 0);
    })();
    clock.setTimeout(release, 10);
    clock.setTimeout(() => seen.push(-clock.now()), 11);
    await clock.runUntil(100);
    await consumer;
    expect(seen).toEqual([10, 10, -11]);
  });

  it("runUntilIdle stops when nothing is pending, or at its limit", async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {}, 40);
    expect(await clock.runUntilIdle()).toBe(true);
    expect(clock.now()).toBe(40);
    const tick = (): void => {
      clock.setTimeout(tick, 100);
    };
    tick();
    expect(await clock.runUntilIdle(1000)).toBe(false);
    expect(clock.now()).toBe(1040);
  });

  it("surfaces a throwing timer as a rejection and stays usable", async () => {
    const clock = new VirtualClock();
    let after = false;
    clock.setTimeout(() => {
      throw new Error("boom");
    }, 1);
    clock.setTimeout(() => {
      after = true;
    }, 2);
    await expect(clock.runUntil(10)).rejects.toThrow("boom");
    await clock.runUntil(10);
    expect(after).toBe(true);
  });

  it("refuses overlapping runs", async () => {
    const clock = new VirtualClock();
    clock.setTimeout(() => {}, 1);
    const first = clock.runFor(5);
    await expect(clock.runFor(5)).rejects.toThrow(/in progress/);
    await first;
  });

  it("auto-advance fires timers by itself until stopped", async () => {
    const clock = new VirtualClock();
    const stop = clock.startAutoAdvance();
    const fired = await new Promise<number>((resolve) => {
      clock.setTimeout(() => resolve(clock.now()), 60_000);
    });
    stop();
    expect(fired).toBe(60_000);
  });

  it("fires any schedule with cancellations exactly like a sorted reference", async () => {
    // setTimeoutAt may date a timer later than now: among timers due at one time, those dated
    // earlier fire first, then those set earlier.
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), delay: fc.integer({ min: 0, max: 50 }) }),
      fc.record({
        kind: fc.constant("addAt" as const),
        delay: fc.integer({ min: 0, max: 50 }),
        datedAfter: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({ kind: fc.constant("cancel" as const), index: fc.nat() }),
      fc.record({ kind: fc.constant("run" as const), ms: fc.integer({ min: 0, max: 30 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 200 }), async (ops) => {
        const clock = new VirtualClock({ settle: null });
        const handles: ReturnType<VirtualClock["setTimeout"]>[] = [];
        const model: { time: number; setAt: number; id: number; live: boolean }[] = [];
        const fired: [number, number][] = [];
        let now = 0;
        const expected: [number, number][] = [];
        const runModel = (until: number): void => {
          const due = model
            .filter((t) => t.live && t.time <= until)
            .sort((a, b) => a.time - b.time || a.setAt - b.setAt || a.id - b.id);
          for (const t of due) {
            t.live = false;
            expected.push([t.time, t.id]);
          }
          now = Math.max(now, until);
        };
        for (const o of ops) {
          if (o.kind === "add") {
            const id = model.length;
            model.push({ time: now + o.delay, setAt: now, id, live: true });
            handles.push(clock.setTimeout(() => fired.push([clock.now(), id]), o.delay));
          } else if (o.kind === "addAt") {
            const id = model.length;
            const time = now + o.delay;
            const setAt = now + o.datedAfter;
            model.push({ time, setAt, id, live: true });
            handles.push(clock.setTimeoutAt(() => fired.push([clock.now(), id]), time, setAt));
          } else if (o.kind === "cancel" && handles.length > 0) {
            const i = o.index % handles.length;
            clock.clearTimeout(handles[i]!);
            model[i]!.live = false;
          } else if (o.kind === "run") {
            runModel(now + o.ms);
            await clock.runFor(o.ms);
          }
        }
        runModel(Number.POSITIVE_INFINITY);
        await clock.runUntilIdle();
        expect(fired).toEqual(expected);
        expect(clock.pending).toBe(0);
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it("compacts many cancelled timers without disturbing the rest", async () => {
    const clock = new VirtualClock({ settle: null });
    const handles = [];
    const fired: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      handles.push(clock.setTimeout(() => fired.push(i), 1 + (i % 997)));
    }
    for (let i = 0; i < 20_000; i++) if (i % 10 !== 0) clock.clearTimeout(handles[i]!);
    expect(clock.pending).toBe(2000);
    await clock.runUntilIdle();
    expect(fired.length).toBe(2000);
    const key = (i: number) => (1 + (i % 997)) * 100_000 + i;
    expect(fired).toEqual([...fired].sort((a, b) => key(a) - key(b)));
  });
});
