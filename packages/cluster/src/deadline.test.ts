import type { Stream } from "@grapevine/transport";
import { isTransportError } from "@grapevine/transport";
import { VirtualClock } from "@grapevine/transport-memory";
import { describe, expect, it } from "vitest";
import { readFrame, withDeadline } from "./deadline.js";

/** A promise with its resolve/reject exposed. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How `p` settled: its value, or the rejection. */
function outcome<T>(p: Promise<T>) {
  const o: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  p.then(
    (value) => Object.assign(o, { value, settled: true }),
    (error: unknown) => Object.assign(o, { error, settled: true }),
  );
  return o;
}

describe("withDeadline", () => {
  it("resolves with the value when the promise wins, and cancels its timer", async () => {
    const clock = new VirtualClock();
    const work = deferred<number>();
    let timedOut = false;
    const result = outcome(
      withDeadline(clock, work.promise, 100, "work", () => {
        timedOut = true;
      }),
    );
    await clock.runFor(50);
    work.resolve(7);
    await clock.runFor(0);
    expect(result).toEqual({ value: 7, settled: true });
    expect(clock.pending).toBe(0);
    await clock.runFor(100);
    expect(timedOut).toBe(false);
  });

  it("passes the promise's own rejection through, and cancels its timer", async () => {
    const clock = new VirtualClock();
    const work = deferred<number>();
    const result = outcome(withDeadline(clock, work.promise, 100, "work"));
    const cause = new Error("boom");
    work.reject(cause);
    await clock.runFor(0);
    expect(result).toEqual({ error: cause, settled: true });
    expect(clock.pending).toBe(0);
  });

  it("rejects with TransportError('timeout') at exactly `ms`, naming `what`, and calls onTimeout once", async () => {
    const clock = new VirtualClock();
    const work = deferred<number>();
    let aborts = 0;
    const result = outcome(
      withDeadline(clock, work.promise, 100, "push-pull with b", () => {
        aborts += 1;
      }),
    );
    await clock.runUntil(99);
    expect(result.settled).toBe(false);
    await clock.runUntil(100);
    expect(result.settled).toBe(true);
    expect(isTransportError(result.error, "timeout")).toBe(true);
    expect((result.error as Error).message).toBe("push-pull with b: no answer within 100 ms");
    expect(aborts).toBe(1);
    // The late answer changes nothing.
    work.resolve(1);
    await clock.runFor(10);
    expect(result.value).toBeUndefined();
    expect(aborts).toBe(1);
  });

  it("ignores a late rejection after the deadline (no unhandled rejection)", async () => {
    const clock = new VirtualClock();
    const work = deferred<number>();
    const result = outcome(withDeadline(clock, work.promise, 10, "work"));
    await clock.runFor(10);
    work.reject(new Error("late"));
    await clock.runFor(1);
    expect(isTransportError(result.error, "timeout")).toBe(true);
  });
});

/** A stream that yields `frames` and then ends. */
function streamOf(frames: Uint8Array[]): Stream {
  return {
    remote: "mem://peer",
    write: async () => {},
    close: async () => {},
    abort: () => {},
    async *[Symbol.asyncIterator]() {
      yield* frames;
    },
  };
}

describe("readFrame", () => {
  it("reads the next frame, and undefined once the peer ended the stream", async () => {
    expect(await readFrame(streamOf([Uint8Array.of(1, 2)]))).toEqual(Uint8Array.of(1, 2));
    expect(await readFrame(streamOf([]))).toBeUndefined();
  });

  it("passes the stream's error through", async () => {
    const failing: Stream = {
      ...streamOf([]),
      // biome-ignore lint/correctness/useYield: a stream that fails before its first frame
      async *[Symbol.asyncIterator]() {
        throw new Error("reset");
      },
    };
    await expect(readFrame(failing)).rejects.toThrow("reset");
  });
});
