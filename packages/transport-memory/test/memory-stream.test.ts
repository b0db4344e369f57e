import { isTransportError, type Stream } from "@grapevine/transport";
import { describe, expect, it } from "vitest";
import { MemoryNetwork, VirtualClock } from "../src/index.js";
import { byte } from "./helpers.js";

async function setup(options: ConstructorParameters<typeof MemoryNetwork>[0] = {}) {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, ...options });
  const a = await network.bind("a");
  const b = await network.bind("b");
  const accepted: Stream[] = [];
  void (async () => {
    for await (const s of b.streams()) accepted.push(s);
  })();
  return { clock, network, a, b, accepted };
}

/** Reads every frame of `stream` in the background, stamping each with the clock. */
function drain(stream: Stream, clock: VirtualClock) {
  const got: { at: number; frame: Uint8Array }[] = [];
  const result: { ended?: boolean; error?: unknown } = {};
  void (async () => {
    try {
      for await (const frame of stream) got.push({ at: clock.now(), frame });
      result.ended = true;
    } catch (error) {
      result.error = error;
    }
  })();
  return { got, result };
}

describe("MemoryNetwork streams", () => {
  it("connects after one round trip and counts dialled and accepted streams", async () => {
    const { clock, network, a, accepted } = await setup({ latency: 4 });
    let connectedAt = -1;
    void a.dial("mem://b").then(() => {
      connectedAt = clock.now();
    });
    await clock.runUntilIdle();
    expect(connectedAt).toBe(8);
    expect(accepted.length).toBe(1);
    expect(network.counters("a").streamsDialed).toBe(1);
    expect(network.counters("b").streamsAccepted).toBe(1);
  });

  it("rejects a dial to nobody with unreachable after a round trip", async () => {
    const { clock, a } = await setup({ latency: 4 });
    const dial = a.dial("mem://nobody").catch((e: unknown) => e);
    await clock.runUntilIdle();
    expect(isTransportError(await dial, "unreachable")).toBe(true);
    expect(clock.now()).toBe(8);
  });

  it("times out a dial whose handshake takes longer than timeoutMs, and cleans up", async () => {
    const { clock, a, accepted } = await setup({ latency: 40 });
    const dial = a.dial("mem://b", { timeoutMs: 50 }).catch((e: unknown) => e);
    await clock.runUntilIdle();
    expect(isTransportError(await dial, "timeout")).toBe(true);
    // The acceptor saw the connection; the dialer abandoned it, so it is reset.
    const { result } = drain(accepted[0]!, clock);
    await clock.runUntilIdle();
    expect(isTransportError(result.error, "reset")).toBe(true);
  });

  it("rejects dials in progress with closed when the dialer closes", async () => {
    const { clock, a } = await setup({ latency: 10 });
    const dial = a.dial("mem://b").catch((e: unknown) => e);
    await clock.runFor(5);
    await a.close();
    expect(isTransportError(await dial, "closed")).toBe(true);
  });

  it("refuses dials beyond the accept backlog", async () => {
    const clock = new VirtualClock();
    const network = new MemoryNetwork({ clock, acceptBacklog: 2 });
    const a = await network.bind("a");
    await network.bind("b"); // never accepts
    const dials = [1, 2, 3].map(() => a.dial("mem://b").catch((e: unknown) => e));
    await clock.runUntilIdle();
    const results = await Promise.all(dials);
    expect(results.filter((r) => isTransportError(r, "unreachable")).length).toBe(1);
  });

  it("keeps frames in order under jitter, never earlier than the link latency", async () => {
    const { clock, a, accepted } = await setup({ latency: { meanMs: 20, jitterMs: 15 } });
    const dialing = a.dial("mem://b");
    await clock.runUntilIdle();
    const stream = await dialing;
    const { got } = drain(accepted[0]!, clock);
    const sentAt: number[] = [];
    for (let i = 0; i < 50; i++) {
      sentAt.push(clock.now());
      await stream.write(byte(i));
      await clock.runFor(1);
    }
    await clock.runUntilIdle();
    expect(got.map((x) => x.frame[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (let i = 0; i < 50; i++) {
      expect(got[i]!.at - sentAt[i]!).toBeGreaterThanOrEqual(5);
      if (i > 0) expect(got[i]!.at).toBeGreaterThanOrEqual(got[i - 1]!.at);
    }
  });

  it("applies back-pressure: write waits while the buffer is full of unread frames", async () => {
    const { clock, network, a, accepted } = await setup({ streamBufferFrames: 4 });
    const dialing = a.dial("mem://b");
    await clock.runUntilIdle();
    const stream = await dialing;
    const done: number[] = [];
    const writes = Array.from({ length: 6 }, (_, i) =>
      stream.write(byte(i)).then(() => done.push(i)),
    );
    await clock.runUntilIdle();
    expect(done).toEqual([0, 1, 2, 3]);
    const reader = accepted[0]![Symbol.asyncIterator]();
    expect((await reader.next()).value?.[0]).toBe(0);
    await clock.runUntilIdle();
    expect(done).toEqual([0, 1, 2, 3, 4]);
    await reader.next();
    await Promise.all(writes);
    expect(network.counters("a").framesSent).toBe(6);
    await clock.runUntilIdle();
    expect(network.counters("b").framesDelivered).toBe(6);
  });

  it("close is a half-close: the closer can still read until the peer closes too", async () => {
    const { clock, a, accepted } = await setup({ latency: 1 });
    const dialing = a.dial("mem://b");
    await clock.runUntilIdle();
    const stream = await dialing;
    const atDialer = drain(stream, clock);
    const atAcceptor = drain(accepted[0]!, clock);
    await stream.write(byte(1));
    await stream.close();
    await clock.runUntilIdle();
    expect(atAcceptor.result.ended).toBe(true);
    expect(atAcceptor.got.map((x) => x.frame[0])).toEqual([1]);
    await accepted[0]!.write(byte(2));
    await accepted[0]!.close();
    await clock.runUntilIdle();
    expect(atDialer.got.map((x) => x.frame[0])).toEqual([2]);
    expect(atDialer.result.ended).toBe(true);
    expect(a.openStreams.size).toBe(0);
  });

  it("writes blocked on back-pressure still go out before the FIN of close()", async () => {
    const { clock, a, accepted } = await setup({ streamBufferFrames: 1 });
    const dialing = a.dial("mem://b");
    await clock.runUntilIdle();
    const stream = await dialing;
    const writes = [stream.write(byte(1)), stream.write(byte(2)), stream.write(byte(3))];
    await stream.close();
    const { got, result } = drain(accepted[0]!, clock);
    await clock.runUntilIdle();
    await Promise.all(writes);
    expect(got.map((x) => x.frame[0])).toEqual([1, 2, 3]);
    expect(result.ended).toBe(true);
  });

  it("a reader that leaves its loop discards later frames without blocking the writer", async () => {
    const { clock, a, accepted } = await setup({ streamBufferFrames: 2 });
    const dialing = a.dial("mem://b");
    await clock.runUntilIdle();
    const stream = await dialing;
    await stream.write(byte(1));
    await clock.runUntilIdle();
    for await (const _ of accepted[0]!) break;
    const writing = (async () => {
      for (let i = 0; i < 10; i++) await stream.write(byte(i));
    })();
    await clock.runUntilIdle();
    await writing;
  });

  it("rejects concurrent reads and a second iterator", async () => {
    const { clock, a, accepted } = await setup();
    const dialing = a.dial("mem://b");
    await clock.runUntilIdle();
    await dialing;
    const stream = accepted[0]!;
    const it1 = stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/single consumer/);
    const first = it1.next();
    await expect(it1.next()).rejects.toSatisfy((e) => isTransportError(e, "protocol"));
    stream.abort();
    expect((await first).done).toBe(true);
  });
});
