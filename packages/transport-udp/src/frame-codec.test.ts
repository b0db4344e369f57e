import { isTransportError } from "@grapevine/transport";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteBudget } from "./byte-budget.js";
import { encodeEndOfStream, encodeFrame, FrameDecoder } from "./frame-codec.js";

function decodeAll(bytes: Buffer, cuts: number[], limit: number): Uint8Array[] {
  const decoder = new FrameDecoder(limit);
  const frames: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    decoder.push(bytes.subarray(at, cut), (f) => frames.push(Uint8Array.from(f)));
    at = cut;
  }
  decoder.push(bytes.subarray(at), (f) => frames.push(Uint8Array.from(f)));
  expect(decoder.midFrame).toBe(false);
  return frames;
}

describe("FrameDecoder", () => {
  it("returns the encoded frames however the byte stream is cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(4000), { maxLength: 20 }),
        (frames, cuts) => {
          const bytes = Buffer.concat(frames.map((f) => encodeFrame(f)));
          const decoded = decodeAll(bytes, cuts, 300);
          expect(decoded).toEqual(frames.map((f) => Uint8Array.from(f)));
        },
      ),
    );
  });

  it("rejects a length prefix above the limit before the payload arrives", () => {
    const decoder = new FrameDecoder(1024);
    const header = Buffer.from([0xff, 0xff, 0xff, 0xf0]);
    let error: unknown;
    try {
      decoder.push(header, () => {});
    } catch (err) {
      error = err;
    }
    expect(isTransportError(error, "protocol")).toBe(true);
  });

  it("accepts a frame of exactly the limit and empty frames", () => {
    const frames = [new Uint8Array(0), new Uint8Array(64).fill(7), new Uint8Array(0)];
    const bytes = Buffer.concat(frames.map((f) => encodeFrame(f)));
    expect(decodeAll(bytes, [1, 2, 5, 9], 64)).toEqual(frames);
  });

  it("reports a frame cut short as mid-frame", () => {
    const decoder = new FrameDecoder(100);
    decoder.push(encodeFrame(new Uint8Array(10)).subarray(0, 7), () => {});
    expect(decoder.midFrame).toBe(true);
  });

  it("recognises the end-of-stream marker and refuses bytes after it", () => {
    const decoder = new FrameDecoder(100);
    const frames: number[] = [];
    let ended = 0;
    const bytes = Buffer.concat([encodeFrame(Uint8Array.of(5)), encodeEndOfStream()]);
    decoder.push(
      bytes.subarray(0, 6),
      (f) => frames.push(f[0]!),
      () => ended++,
    );
    decoder.push(
      bytes.subarray(6),
      (f) => frames.push(f[0]!),
      () => ended++,
    );
    expect(frames).toEqual([5]);
    expect(ended).toBe(1);
    expect(decoder.ended).toBe(true);
    let error: unknown;
    try {
      decoder.push(Buffer.from([0]), () => {});
    } catch (err) {
      error = err;
    }
    expect(isTransportError(error, "protocol")).toBe(true);
  });

  it("holds a frame's announced length from its header until the frame is handed out", () => {
    const budget = new ByteBudget(1000);
    const decoder = new FrameDecoder(500, budget);
    const bytes = encodeFrame(new Uint8Array(300).fill(9));
    const held: number[] = [];
    decoder.push(bytes.subarray(0, 3), () => {});
    expect(budget.inUse).toBe(0);
    decoder.push(bytes.subarray(3, 10), () => {});
    expect(budget.inUse).toBe(300);
    decoder.push(bytes.subarray(10), () => held.push(budget.inUse));
    expect(held).toEqual([0]);
    expect(budget.inUse).toBe(0);
    expect(decoder.reservedBytes).toBe(0);
  });

  it("throws limit when the shared budget cannot cover a frame, leaving others' reservations", () => {
    const budget = new ByteBudget(150);
    const first = new FrameDecoder(100, budget);
    const second = new FrameDecoder(100, budget);
    first.push(encodeFrame(new Uint8Array(100)).subarray(0, 20), () => {});
    let error: unknown;
    try {
      second.push(encodeFrame(new Uint8Array(51)).subarray(0, 20), () => {});
    } catch (err) {
      error = err;
    }
    expect(isTransportError(error, "limit")).toBe(true);
    expect((error as Error).message).toMatch(/buffer budget for incoming frames is exhausted/);
    second.dispose();
    expect(budget.inUse).toBe(100);
    // A frame that fits in what is left still goes through.
    const third = new FrameDecoder(100, budget);
    const frames: number[] = [];
    third.push(encodeFrame(new Uint8Array(50)), (f) => frames.push(f.byteLength));
    expect(frames).toEqual([50]);
    expect(budget.inUse).toBe(100);
  });

  it("reserves nothing for a length prefix above the limit", () => {
    const budget = new ByteBudget(1000);
    const decoder = new FrameDecoder(100, budget);
    expect(() => decoder.push(encodeFrame(new Uint8Array(101)), () => {})).toThrow();
    expect(budget.inUse).toBe(0);
  });

  it("has released the frame's reservation when the frame handler throws", () => {
    const budget = new ByteBudget(1000);
    const decoder = new FrameDecoder(100, budget);
    expect(() =>
      decoder.push(encodeFrame(new Uint8Array(40)), () => {
        throw new Error("bad frame");
      }),
    ).toThrow("bad frame");
    expect(budget.inUse).toBe(0);
  });

  it("dispose releases a partial frame's reservation once and ignores later bytes", () => {
    const budget = new ByteBudget(1000);
    const decoder = new FrameDecoder(500, budget);
    decoder.push(encodeFrame(new Uint8Array(400)).subarray(0, 100), () => {});
    expect(budget.inUse).toBe(400);
    decoder.dispose();
    decoder.dispose();
    expect(budget.inUse).toBe(0);
    decoder.push(encodeFrame(new Uint8Array(400)), () => {
      throw new Error("no frame after dispose");
    });
    expect(budget.inUse).toBe(0);
  });

  it("stops at once when a frame handler disposes it", () => {
    const budget = new ByteBudget(1000);
    const decoder = new FrameDecoder(500, budget);
    const bytes = Buffer.concat([encodeFrame(Uint8Array.of(1)), encodeFrame(new Uint8Array(400))]);
    const frames: number[] = [];
    decoder.push(bytes.subarray(0, 20), (f) => {
      frames.push(f.byteLength);
      decoder.dispose();
    });
    expect(frames).toEqual([1]);
    expect(budget.inUse).toBe(0);
  });
});
