import { seededRng } from "@grapevine/protocol";
import { isTransportError, TransportError } from "@grapevine/transport";
import { describe, expect, it } from "vitest";
import { MemoryNetwork, VirtualClock } from "../src/index.js";
import { byte, record } from "./helpers.js";

function virtualNetwork(options: ConstructorParameters<typeof MemoryNetwork>[0] = {}) {
  const clock = new VirtualClock();
  const network = new MemoryNetwork({ clock, ...options });
  return { clock, network };
}

describe("MemoryNetwork binding and addresses", () => {
  it("binds by name or URL, refuses an address in use, frees it on close", async () => {
    const { network } = virtualNetwork();
    const a = await network.bind("a");
    expect(a.address).toBe("mem://a");
    expect(a.scheme).toBe("mem");
    expect(a.mtu).toBe(1400);
    await expect(network.bind("mem://a")).rejects.toSatisfy((e) =>
      isTransportError(e, "address-in-use"),
    );
    expect(network.transport("a")).toBe(a);
    await a.close();
    expect(network.transport("a")).toBeUndefined();
    const again = await network.bind("a", { mtu: 500, maxFrameBytes: 2000 });
    expect(again.mtu).toBe(500);
    expect(again.maxFrameBytes).toBe(2000);
    expect(network.addresses()).toEqual(["mem://a"]);
  });

  it("rejects addresses that are not mem:// names", async () => {
    const { network } = virtualNetwork();
    await expect(network.bind("udp://127.0.0.1:1")).rejects.toSatisfy((e) =>
      isTransportError(e, "invalid-address"),
    );
    await expect(network.bind("bad name")).rejects.toSatisfy((e) =>
      isTransportError(e, "invalid-address"),
    );
    const a = await network.bind("a");
    expect(() => a.send("udp://127.0.0.1:1", byte(1))).toThrow(TransportError);
    expect(() => a.send("b", byte(1))).toThrow(TransportError);
    await expect(a.dial("ws://x:1")).rejects.toSatisfy((e) =>
      isTransportError(e, "invalid-address"),
    );
  });
});

describe("MemoryNetwork latency", () => {
  it("delivers each datagram after its link's one-way latency", async () => {
    const { clock, network } = virtualNetwork({ latency: 5 });
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => network.bind(n)));
    network.setLatency("a", "c", 30);
    network.setLatency("b", "c", 10);
    const atC = record(c!, clock);
    const atA = record(a!, clock);
    a!.send(c!.address, byte(1));
    b!.send(c!.address, byte(2));
    c!.send(a!.address, byte(3));
    await clock.runUntilIdle();
    expect(atC.map((x) => [x.at, x.from, x.data[0]])).toEqual([
      [10, "mem://b", 2],
      [30, "mem://a", 1],
    ]);
    expect(atA.map((x) => x.at)).toEqual([5]);
  });

  it("draws jitter from the seeded generator, within [mean - jitter, mean + jitter]", async () => {
    const { clock, network } = virtualNetwork({ latency: { meanMs: 50, jitterMs: 20 } });
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    const arrivals = record(b!, clock);
    for (let i = 0; i < 500; i++) a!.send(b!.address, byte(i));
    await clock.runUntilIdle();
    expect(arrivals.length).toBe(500);
    const times = arrivals.map((x) => x.at);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...times)).toBeLessThanOrEqual(70);
    // Jitter reorders datagrams (they are unordered), unlike stream frames.
    const order = arrivals.map((x) => x.data[0]);
    expect(order).not.toEqual([...order].sort((p, q) => p! - q!));
  });

  it("accepts a latency function of the link", async () => {
    const { clock, network } = virtualNetwork({
      latency: (from, to) => (from === "mem://a" && to === "mem://b" ? 7 : 1),
    });
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    const atB = record(b!, clock);
    const atA = record(a!, clock);
    a!.send(b!.address, byte(1));
    b!.send(a!.address, byte(2));
    await clock.runUntilIdle();
    expect(atB[0]?.at).toBe(7);
    expect(atA[0]?.at).toBe(1);
  });

  it("rejects invalid latency and loss settings", () => {
    const { network } = virtualNetwork();
    expect(() => network.setDefaultLatency(-1)).toThrow(RangeError);
    expect(() => network.setDefaultLatency({ meanMs: 1, jitterMs: Number.NaN })).toThrow(
      RangeError,
    );
    expect(() => network.setDefaultLoss(1.5)).toThrow(RangeError);
    expect(() => network.setLoss("a", "b", -0.1)).toThrow(RangeError);
  });
});

describe("MemoryNetwork loss", () => {
  async function lossRun(seed: number, p: number, n: number) {
    const { clock, network } = virtualNetwork({
      rng: seededRng(seed),
      loss: p,
      receiveQueueLimit: n,
    });
    const [a, b] = await Promise.all(["a", "b"].map((name) => network.bind(name)));
    const arrivals = record(b!, clock);
    for (let i = 0; i < n; i++) a!.send(b!.address, byte(i));
    await clock.runUntilIdle();
    return { delivered: arrivals.length, counters: network.counters() };
  }

  it("drops about the configured fraction, exactly reproducibly for a seed", async () => {
    const n = 20_000;
    const first = await lossRun(7, 0.1, n);
    // 0.1 ± 4.5 standard deviations (σ = sqrt(n p (1-p)) ≈ 42).
    expect(Math.abs(n - first.delivered - 2000)).toBeLessThan(190);
    expect(first.counters.droppedBy.loss).toBe(n - first.delivered);
    expect(first.counters.datagramsDropped).toBe(n - first.delivered);
    const again = await lossRun(7, 0.1, n);
    expect(again.delivered).toBe(first.delivered);
    const other = await lossRun(8, 0.1, n);
    expect(other.delivered).not.toBe(first.delivered);
  });

  it("applies one-way loss to one direction only", async () => {
    const { clock, network } = virtualNetwork();
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    network.setLoss("a", "b", 1);
    const atA = record(a!, clock);
    const atB = record(b!, clock);
    for (let i = 0; i < 100; i++) {
      a!.send(b!.address, byte(i));
      b!.send(a!.address, byte(i));
    }
    await clock.runUntilIdle();
    expect(atB.length).toBe(0);
    expect(atA.length).toBe(100);
    network.setLoss("a", "b", 0.5);
    for (let i = 0; i < 2000; i++) a!.send(b!.address, byte(i));
    await clock.runUntilIdle();
    expect(atB.length).toBeGreaterThan(850);
    expect(atB.length).toBeLessThan(1150);
    network.setLoss("a", "b", undefined);
    a!.send(b!.address, byte(1));
    await clock.runUntilIdle();
    expect(network.counters("a").droppedBy.loss).toBe(100 + 2000 - (atB.length - 1));
  });

  it("matches per-link settings exactly, then (from, *), then (*, to), then the default", async () => {
    const { clock, network } = virtualNetwork({ loss: 1 });
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => network.bind(n)));
    network.setLoss("*", "c", 0);
    network.setLoss("a", "*", 1);
    network.setLoss("a", "b", 0);
    const atB = record(b!, clock);
    const atC = record(c!, clock);
    a!.send(b!.address, byte(1)); // exact pair: 0
    a!.send(c!.address, byte(2)); // (a, *): 1
    b!.send(c!.address, byte(3)); // (*, c): 0
    c!.send(b!.address, byte(4)); // default: 1
    await clock.runUntilIdle();
    expect(atB.map((x) => x.data[0])).toEqual([1]);
    expect(atC.map((x) => x.data[0])).toEqual([3]);
  });

  it("retransmits lost stream frames: every frame arrives, in order, late", async () => {
    // Enough retransmissions allowed that no segment gives up at 50 % loss with this seed.
    const { clock, network } = virtualNetwork({ streamLoss: { maxRetransmits: 12 } });
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    const accepted: Uint8Array[] = [];
    void (async () => {
      for await (const s of b!.streams()) for await (const f of s) accepted.push(f);
    })();
    const dialing = a!.dial(b!.address);
    await clock.runUntilIdle();
    const stream = await dialing;
    network.setDefaultLoss(0.5);
    // More frames than the stream buffer holds: writes wait for the reader, so run the clock
    // while writing.
    const writing = (async () => {
      for (let i = 0; i < 100; i++) await stream.write(byte(i));
    })();
    await clock.runUntilIdle();
    await writing;
    expect(accepted.map((f) => f[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const c = network.counters("a");
    expect(c.framesStalled).toBeGreaterThan(20);
    expect(c.streamRetransmits).toBeGreaterThanOrEqual(c.framesStalled);
    expect(c.streamsTimedOut).toBe(0);
    expect(c.datagramsDropped).toBe(0);
  });
});

describe("MemoryNetwork partitions and blocks", () => {
  it("partition cuts groups apart (unnamed nodes form the rest); heal restores", async () => {
    const { clock, network } = virtualNetwork({ latency: 1 });
    const names = ["a", "b", "c", "d"];
    const nodes = await Promise.all(names.map((n) => network.bind(n)));
    const got = nodes.map((n) => record(n, clock));
    network.partition([["a", "b"], ["c"]]);
    const everyPair = (tag: number): void => {
      for (const from of nodes) {
        for (const to of nodes) if (from !== to) from.send(to.address, byte(tag));
      }
    };
    everyPair(1);
    await clock.runUntilIdle();
    const heard = (i: number) => got[i]!.map((x) => x.from.slice(6)).sort();
    expect(heard(0)).toEqual(["b"]);
    expect(heard(1)).toEqual(["a"]);
    expect(heard(2)).toEqual([]);
    expect(heard(3)).toEqual([]);
    expect(network.canReach("a", "c")).toBe(false);
    expect(network.canReach("a", "b")).toBe(true);
    expect(network.counters().droppedBy.partition).toBe(10);
    network.heal();
    everyPair(2);
    await clock.runUntilIdle();
    expect(got.map((g) => g.filter((x) => x.data[0] === 2).length)).toEqual([3, 3, 3, 3]);
  });

  it("partition breaks streams across the cut with reset and makes dials time out", async () => {
    const { clock, network } = virtualNetwork({ latency: 2, connectTimeoutMs: 1000 });
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    const accepted: { error?: unknown } = {};
    void (async () => {
      for await (const s of b!.streams()) {
        try {
          for await (const _ of s) {
          }
        } catch (error) {
          accepted.error = error;
        }
      }
    })();
    const dialing = a!.dial("mem://b");
    await clock.runUntilIdle();
    const stream = await dialing;
    network.partition([["a"], ["b"]]);
    await clock.runFor(0);
    expect(isTransportError(accepted.error, "reset")).toBe(true);
    await expect(stream.write(byte(1))).rejects.toSatisfy((e) => isTransportError(e, "reset"));
    const reading = stream[Symbol.asyncIterator]().next();
    await expect(reading).rejects.toSatisfy((e) => isTransportError(e, "reset"));
    const start = clock.now();
    const dial = a!.dial("mem://b").catch((e: unknown) => e);
    await clock.runUntilIdle();
    expect(isTransportError(await dial, "timeout")).toBe(true);
    expect(clock.now() - start).toBe(1000);
    expect(network.counters("a").dialsFailed).toBe(1);
    expect(network.counters("a").streamsReset).toBe(1);
    network.heal();
    const healed = a!.dial("mem://b", { timeoutMs: 100 });
    await clock.runUntilIdle();
    expect((await healed).remote).toBe("mem://b");
  });

  it("block is one way for datagrams but breaks streams both ways", async () => {
    const { clock, network } = virtualNetwork();
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    const atA = record(a!, clock);
    const atB = record(b!, clock);
    const dialing = b!.dial("mem://a");
    await clock.runUntilIdle();
    const stream = await dialing;
    network.block("a", "b");
    a!.send(b!.address, byte(1));
    b!.send(a!.address, byte(2));
    await clock.runUntilIdle();
    expect(atB).toEqual([]);
    expect(atA.map((x) => x.data[0])).toEqual([2]);
    expect(network.counters("a").droppedBy.blocked).toBe(1);
    await expect(stream.write(byte(3))).rejects.toSatisfy((e) => isTransportError(e, "reset"));
    network.unblock("a", "b");
    a!.send(b!.address, byte(4));
    await clock.runUntilIdle();
    expect(atB.map((x) => x.data[0])).toEqual([4]);
  });
});

describe("MemoryNetwork counters", () => {
  it("counts sent, delivered and dropped datagrams and bytes, per node and in total", async () => {
    const { clock, network } = virtualNetwork({ latency: 10, receiveQueueLimit: 3 });
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    a!.send("mem://b", new Uint8Array(100)); // queued at b (not read)
    a!.send("mem://b", new Uint8Array(100));
    a!.send("mem://b", new Uint8Array(100));
    a!.send("mem://b", new Uint8Array(100)); // overflow
    a!.send("mem://nobody", new Uint8Array(7)); // unreachable
    b!.send("mem://a", new Uint8Array(50)); // in flight when a closes
    await clock.runFor(5);
    await a!.close();
    await clock.runUntilIdle();
    const ca = network.counters("a");
    expect(ca.datagramsSent).toBe(5);
    expect(ca.datagramBytesSent).toBe(407);
    expect(ca.datagramsDropped).toBe(2);
    expect(ca.droppedBy).toMatchObject({ overflow: 1, unreachable: 1 });
    expect(ca.datagramBytesDropped).toBe(107);
    const cb = network.counters("mem://b");
    expect(cb.datagramsDelivered).toBe(3);
    expect(cb.datagramBytesDelivered).toBe(300);
    expect(cb.droppedBy.closed).toBe(1);
    const total = network.counters();
    expect(total.datagramsSent).toBe(6);
    expect(total.datagramsDelivered).toBe(3);
    expect(total.datagramsDropped).toBe(3);
    expect(network.counters("never-bound").datagramsSent).toBe(0);
    network.resetCounters();
    expect(network.counters().datagramsSent).toBe(0);
    expect(network.counters("a").datagramsSent).toBe(0);
  });

  it("returns snapshots that do not change afterwards", async () => {
    const { clock, network } = virtualNetwork();
    const a = await network.bind("a");
    const before = network.counters();
    a.send("mem://a", byte(1));
    await clock.runUntilIdle();
    expect(before.datagramsSent).toBe(0);
    expect(network.counters().datagramsSent).toBe(1);
  });
});

describe("MemoryNetwork crash and pause", () => {
  it("crash closes a node at once: address free, peers' streams reset after the link delay", async () => {
    const { clock, network } = virtualNetwork({ latency: 3 });
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    const dialing = a!.dial("mem://b");
    await clock.runUntilIdle();
    const stream = await dialing;
    const reading = stream[Symbol.asyncIterator]()
      .next()
      .catch((e: unknown) => e);
    const crashedAt = clock.now();
    network.crash("b");
    expect(b!.closed).toBe(true);
    expect(network.transport("b")).toBeUndefined();
    await clock.runUntilIdle();
    expect(isTransportError(await reading, "reset")).toBe(true);
    expect(clock.now() - crashedAt).toBe(3);
    const reborn = await network.bind("b");
    expect(reborn.closed).toBe(false);
    network.crash("nobody");
  });

  it("pause holds datagrams and frames in order; resume delivers them", async () => {
    const { clock, network } = virtualNetwork({ latency: 1 });
    const [a, b] = await Promise.all(["a", "b"].map((n) => network.bind(n)));
    const atB = record(b!, clock);
    const frames: number[] = [];
    void (async () => {
      for await (const s of b!.streams()) for await (const f of s) frames.push(f[0]!);
    })();
    const dialing = a!.dial("mem://b");
    await clock.runUntilIdle();
    const stream = await dialing;
    network.pause("b");
    for (let i = 0; i < 5; i++) {
      a!.send("mem://b", byte(i));
      await stream.write(byte(10 + i));
    }
    await clock.runFor(100);
    expect(atB).toEqual([]);
    expect(frames).toEqual([]);
    const resumedAt = clock.now();
    network.resume("b");
    await clock.runFor(0);
    expect(atB.map((x) => x.data[0])).toEqual([0, 1, 2, 3, 4]);
    expect(atB.every((x) => x.at === resumedAt)).toBe(true);
    expect(frames).toEqual([10, 11, 12, 13, 14]);
  });
});

describe("MemoryNetwork determinism", () => {
  async function gossipTrace(seed: number): Promise<string> {
    const random = seededRng(seed);
    const clock = new VirtualClock();
    const network = new MemoryNetwork({
      clock,
      rng: random,
      latency: { meanMs: 5, jitterMs: 4 },
      loss: 0.05,
    });
    const nodes = await Promise.all(Array.from({ length: 30 }, (_, i) => network.bind(`n${i}`)));
    const trace: string[] = [];
    for (const node of nodes) {
      void (async () => {
        for await (const d of node.datagrams()) {
          trace.push(`${clock.now().toFixed(6)} ${d.from}>${node.address} ${d.data[0]}`);
          // Reply from inside the consumer: the reply's time depends on settling correctly.
          if (d.data[0]! < 3) node.send(d.from, byte(d.data[0]! + 1));
        }
      })();
      const tick = (): void => {
        if (clock.now() > 500) return;
        const peer = nodes[Math.floor(random.next() * nodes.length)]!;
        node.send(peer.address, byte(0));
        clock.setTimeout(tick, 20 + random.next() * 10);
      };
      clock.setTimeout(tick, random.next() * 20);
    }
    network.partition([nodes.slice(0, 10).map((n) => n.address)]);
    clock.setTimeout(() => network.heal(), 250);
    await clock.runUntilIdle();
    return `${trace.length}:${trace.join("\n")}`;
  }

  it("replays the same run for the same seed, and a different one for another seed", async () => {
    const first = await gossipTrace(123);
    expect(await gossipTrace(123)).toBe(first);
    expect(await gossipTrace(124)).not.toBe(first);
    expect(first.length).toBeGreaterThan(1000);
  });
});

describe("deprecated names", () => {
  it("seededRandom is seededRng of @grapevine/protocol, sequence for sequence", async () => {
    const { DEFAULT_SEED, seededRandom } = await import("../src/index.js");
    for (const seed of [0, 1, 7, DEFAULT_SEED]) {
      const old = seededRandom(seed);
      const now = seededRng(seed);
      for (let i = 0; i < 100; i++) expect(old.next()).toBe(now.next());
    }
    const byDefault = seededRandom();
    const expected = seededRng(DEFAULT_SEED);
    expect(byDefault.next()).toBe(expected.next());
  });
});
