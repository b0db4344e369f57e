import { type Rng, seededRng } from "@grapevine/protocol";
import { isTransportError, type Stream } from "@grapevine/transport";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backoffMs,
  DEFAULT_STREAM_LOSS,
  frameFate,
  MemoryNetwork,
  streamLossModel,
  VirtualClock,
} from "../src/index.js";
import { byte } from "./helpers.js";

/** A random source that replays `draws`, then answers 0.99 (never below a loss < 0.99). */
function scripted(draws: number[]): Rng & { used: number } {
  const source = {
    used: 0,
    next(): number {
      source.used++;
      return draws.shift() ?? 0.99;
    },
  };
  return source;
}

const model = DEFAULT_STREAM_LOSS;

describe("frameFate", () => {
  it("draws nothing and stalls nothing without loss", () => {
    const rng = scripted([]);
    expect(frameFate(0, 1_000_000, model, rng)).toEqual({
      stallMs: 0,
      retransmits: 0,
      broken: false,
    });
    expect(rng.used).toBe(0);
  });

  it("waits out one doubling timeout per consecutive loss of a segment", () => {
    // Lost, lost, then through: 200 + 400 ms.
    expect(frameFate(0.5, 10, model, scripted([0.1, 0.2, 0.7]))).toEqual({
      stallMs: 600,
      retransmits: 2,
      broken: false,
    });
    // A connection attempt starts at the SYN timeout.
    expect(frameFate(0.5, 0, model, scripted([0.1]), model.synRtoMs).stallMs).toBe(1000);
  });

  it("cuts a frame into segments; the frame is as late as its latest segment", () => {
    // 3,000 bytes: three segments, lost 1, 0 and 2 times.
    const fate = frameFate(0.5, 3000, model, scripted([0.1, 0.9, 0.9, 0.1, 0.1, 0.9]));
    expect(fate).toEqual({ stallMs: 600, retransmits: 3, broken: false });
  });

  it("gives up after maxRetransmits retransmissions of one segment are lost", () => {
    const rng = scripted([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const fate = frameFate(0.5, 10, model, rng);
    expect(fate).toEqual({ stallMs: 200 * 127, retransmits: 6, broken: true });
    expect(rng.used).toBe(7);
  });

  it("names the bad field of a model", () => {
    expect(() => streamLossModel({ rtoMs: 0 })).toThrow(/streamLoss\.rtoMs/);
    expect(() => streamLossModel({ maxRetransmits: 1.5 })).toThrow(/maxRetransmits/);
    expect(streamLossModel({ rtoMs: 300 }).synRtoMs).toBe(1000);
  });

  it("property: a stall is a whole number of doubling timeouts, replayed by its seed", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.95, noNaN: true }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer(),
        (loss, bytes, maxRetransmits, seed) => {
          const m = streamLossModel({ maxRetransmits });
          const fate = frameFate(loss, bytes, m, seededRng(seed));
          expect(frameFate(loss, bytes, m, seededRng(seed))).toEqual(fate);
          const segments = Math.max(1, Math.ceil(bytes / m.segmentBytes));
          const k = Math.log2(fate.stallMs / m.rtoMs + 1);
          expect(Number.isInteger(k)).toBe(true);
          if (fate.broken) {
            expect(k).toBe(maxRetransmits + 1);
          } else {
            expect(k).toBeLessThanOrEqual(maxRetransmits);
            expect(fate.retransmits).toBeGreaterThanOrEqual(k);
            expect(fate.retransmits).toBeLessThanOrEqual(segments * maxRetransmits);
            expect(fate.stallMs).toBe(backoffMs(m.rtoMs, k));
          }
          if (loss === 0) expect(fate).toEqual({ stallMs: 0, retransmits: 0, broken: false });
        },
      ),
      { seed: 15, numRuns: 300 },
    );
  });
});

async function connected(rng: Rng, latency = 5) {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, rng, latency });
  const a = await network.bind("a");
  const b = await network.bind("b");
  const accepted: Stream[] = [];
  void (async () => {
    for await (const s of b.streams()) accepted.push(s);
  })();
  const dialing = a.dial(b.address);
  await clock.runUntilIdle();
  const stream = await dialing;
  return { clock, network, a, b, stream, peer: accepted[0]! };
}

function readAll(stream: Stream, clock: VirtualClock) {
  const got: { at: number; value: number }[] = [];
  const result: { error?: unknown } = {};
  void (async () => {
    try {
      for await (const frame of stream) got.push({ at: clock.now(), value: frame[0]! });
    } catch (error) {
      result.error = error;
    }
  })();
  return { got, result };
}

describe("MemoryNetwork streams under loss", () => {
  it("delays a lost frame by its retransmission timeout and holds back the next", async () => {
    const rng = scripted([]);
    const { clock, network, stream, peer } = await connected(rng);
    network.setLoss("a", "b", 0.5);
    const { got } = readAll(peer, clock);
    const start = clock.now();
    rng.next = () => [0.1, 0.9, 0.9][rng.used++] ?? 0.99; // frame 1 lost once; frame 2 through
    await stream.write(byte(1));
    await stream.write(byte(2));
    await clock.runUntilIdle();
    expect(got).toEqual([
      { at: start + 205, value: 1 },
      { at: start + 205, value: 2 },
    ]);
    expect(network.counters("a")).toMatchObject({ framesStalled: 1, streamRetransmits: 1 });
    expect(network.counters("b").framesStalled).toBe(0);
  });

  it("breaks the stream when a segment is lost too often: timeout here, reset there", async () => {
    const rng = scripted([]);
    const { clock, network, stream, peer } = await connected(rng);
    network.setLoss("a", "b", 0.5);
    const { got, result } = readAll(peer, clock);
    const mine = readAll(stream, clock);
    await stream.write(byte(1)); // through
    rng.next = () => 0; // every later packet lost
    const start = clock.now();
    await stream.write(byte(2));
    await stream.write(byte(3)); // never sent: the connection is gone
    await clock.runUntilIdle();
    expect(got.map((g) => g.value)).toEqual([1]);
    expect(isTransportError(result.error, "reset")).toBe(true);
    expect(isTransportError(mine.result.error, "timeout")).toBe(true);
    expect(clock.now()).toBe(start + 200 * 127);
    await expect(stream.write(byte(4))).rejects.toMatchObject({ code: "timeout" });
    expect(network.counters("a")).toMatchObject({ streamsTimedOut: 1, streamsReset: 0 });
    expect(network.counters("b")).toMatchObject({ streamsTimedOut: 0, streamsReset: 1 });
  });

  it("retransmits a lost SYN after the initial 1 s timeout", async () => {
    const clock = new VirtualClock();
    const rng = scripted([0.1]);
    const network = new MemoryNetwork({ clock, rng, latency: 5, loss: 0.5 });
    const a = await network.bind("a");
    await network.bind("b");
    let connectedAt = -1;
    void a.dial("mem://b").then(() => {
      connectedAt = clock.now();
    });
    await clock.runUntilIdle();
    expect(connectedAt).toBe(1010);
    expect(network.counters("a").streamRetransmits).toBe(1);
  });

  it("times a dial out when its SYN is lost every time", async () => {
    const clock = new VirtualClock();
    const network = new MemoryNetwork({ clock, rng: { next: () => 0 }, loss: 0.5 });
    const a = await network.bind("a");
    await network.bind("b");
    const dial = a.dial("mem://b", { timeoutMs: 3000 }).catch((e: unknown) => e);
    await clock.runUntilIdle();
    expect(isTransportError(await dial, "timeout")).toBe(true);
    expect(clock.now()).toBe(3000);
    expect(network.counters("a").dialsFailed).toBe(1);
  });

  it("replays exactly from a seed", async () => {
    const run = async () => {
      const { clock, network, stream, peer } = await connected(seededRng(7));
      network.setDefaultLoss(0.3);
      const { got } = readAll(peer, clock);
      const writing = (async () => {
        for (let i = 0; i < 40; i++) await stream.write(new Uint8Array(2000).fill(i));
      })();
      await clock.runUntilIdle();
      await writing.catch(() => undefined);
      return { got, counters: network.counters() };
    };
    const first = await run();
    expect(first.counters.streamRetransmits).toBeGreaterThan(0);
    expect(await run()).toEqual(first);
  });
});
