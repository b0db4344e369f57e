import { describe, expect, it } from "vitest";
import { FrameInbox, refuseWrite, TransportError } from "../src/index.js";

describe("FrameInbox", () => {
  it("pauses at the high-water mark and resumes below half of it", async () => {
    const calls: string[] = [];
    const inbox = new FrameInbox(
      { pause: () => calls.push("pause"), resume: () => calls.push("resume") },
      10,
    );
    inbox.push(new Uint8Array(4));
    inbox.push(new Uint8Array(4));
    expect(calls).toEqual([]);
    inbox.push(new Uint8Array(4));
    expect(calls).toEqual(["pause"]);
    const it = inbox[Symbol.asyncIterator]();
    await it.next();
    expect(calls).toEqual(["pause"]);
    await it.next();
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("resumes when the reader leaves, and refuses frames after the end", async () => {
    const calls: string[] = [];
    const inbox = new FrameInbox(
      { pause: () => calls.push("pause"), resume: () => calls.push("resume") },
      4,
    );
    expect(inbox.push(new Uint8Array(8))).toBe(true);
    const it = inbox[Symbol.asyncIterator]();
    await it.return?.();
    expect(calls).toEqual(["pause", "resume"]);
    expect(inbox.push(new Uint8Array(1))).toBe(false);
    expect(inbox.size).toBe(0);
  });
});

describe("refuseWrite", () => {
  const frame = new Uint8Array(5);
  it("refuses a closed stream, then a broken one, then an oversized frame", () => {
    const broken = new TransportError("reset", "gone");
    expect(refuseWrite(true, broken, frame, 1, "x")?.code).toBe("closed");
    expect(refuseWrite(false, broken, frame, 1, "x")).toBe(broken);
    expect(refuseWrite(false, undefined, frame, 4, "x")?.code).toBe("frame-too-large");
    expect(refuseWrite(false, undefined, frame, 5, "x")).toBeUndefined();
  });
});
