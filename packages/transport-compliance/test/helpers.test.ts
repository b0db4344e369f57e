import { AsyncQueue, TransportError } from "@grapevine/transport";
import { describe, expect, it } from "vitest";
import {
  ComplianceTimeoutError,
  equalBytes,
  expectRejectsTransportError,
  expectThrowsTransportError,
  Inbox,
  patternBytes,
  taggedBytes,
  tagOf,
  withTimeout,
} from "../src/index.js";

describe("withTimeout", () => {
  it("passes a result or error through, and times out with ComplianceTimeoutError", async () => {
    expect(await withTimeout(Promise.resolve(3), 100, "x")).toBe(3);
    await expect(withTimeout(Promise.reject(new Error("no")), 100, "x")).rejects.toThrow("no");
    const never = new Promise<never>(() => {});
    const err = await withTimeout(never, 5, "the thing").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComplianceTimeoutError);
    expect((err as Error).message).toContain("the thing");
  });
});

describe("expectThrowsTransportError / expectRejectsTransportError", () => {
  it("accept the right code and explain anything else", async () => {
    expectThrowsTransportError(
      () => {
        throw new TransportError("oversized", "big");
      },
      "oversized",
      "send",
    );
    expect(() => expectThrowsTransportError(() => 1, "oversized", "send")).toThrow(/returned 1/);
    expect(() =>
      expectThrowsTransportError(
        () => {
          throw new TransportError("closed", "c");
        },
        "oversized",
        "send",
      ),
    ).toThrow(/got TransportError\(closed\)/);
    const e = await expectRejectsTransportError(
      () => Promise.reject(new TransportError("timeout", "t")),
      ["unreachable", "timeout"],
      100,
      "dial",
    );
    expect((e as TransportError).code).toBe("timeout");
    await expect(
      expectRejectsTransportError(
        () => {
          throw new TransportError("closed", "sync");
        },
        "closed",
        100,
        "write",
      ),
    ).rejects.toThrow(/synchronously/);
    await expect(
      expectRejectsTransportError(() => Promise.resolve(1), "closed", 100, "write"),
    ).rejects.toThrow(/resolved/);
    await expect(
      expectRejectsTransportError(() => new Promise(() => {}), "closed", 5, "write"),
    ).rejects.toThrow(/neither resolved nor rejected/);
  });
});

describe("Inbox", () => {
  it("takes items in order, finds, counts, and reports the end", async () => {
    const queue = new AsyncQueue<number>();
    const inbox = new Inbox(queue);
    queue.push(1);
    queue.push(2);
    expect(await inbox.next(100)).toBe(1);
    const three = inbox.find((n) => n === 3, 100);
    queue.push(3);
    expect(await three).toBe(3);
    expect(await inbox.next(100)).toBe(2);
    expect(await inbox.atLeast(3, 100)).toEqual([1, 2, 3]);
    // find does not take: next still yields 3.
    expect(await inbox.next(100)).toBe(3);
    await expect(inbox.next(5, "a fourth")).rejects.toBeInstanceOf(ComplianceTimeoutError);
    queue.end();
    expect(await inbox.settled(100)).toEqual({});
    await expect(inbox.next(100, "a fourth")).rejects.toThrow(/iteration ended/);
  });

  it("reports the error an iteration threw", async () => {
    const queue = new AsyncQueue<number>();
    const inbox = new Inbox(queue);
    const failure = new TransportError("reset", "gone");
    queue.fail(failure);
    expect(await inbox.settled(100)).toEqual({ error: failure });
    await expect(inbox.atLeast(1, 100)).rejects.toThrow(/failed/);
  });

  it("times out waiting for an iteration that never ends", async () => {
    const inbox = new Inbox(new AsyncQueue<number>());
    await expect(inbox.settled(5, "the end")).rejects.toThrow(
      /timed out after 5 ms waiting for the end/,
    );
  });
});

describe("payload helpers", () => {
  it("make distinct deterministic payloads and read tags back", () => {
    expect(equalBytes(patternBytes(100, 1), patternBytes(100, 1))).toBe(true);
    expect(equalBytes(patternBytes(100, 1), patternBytes(100, 2))).toBe(false);
    expect(equalBytes(patternBytes(3, 1), patternBytes(4, 1))).toBe(false);
    expect(tagOf(taggedBytes(123_456, 40))).toBe(123_456);
    expect(taggedBytes(5, 1).byteLength).toBe(4);
    expect(tagOf(new Uint8Array(3))).toBeUndefined();
  });
});
