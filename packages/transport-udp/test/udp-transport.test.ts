import { connect, createServer, type Server, type Socket } from "node:net";
import type { Stream } from "@grapevine/transport";
import {
  bindsIpv6Loopback,
  exchangeBothWays,
  OpenTransports,
} from "@grapevine/transport-compliance";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "../src/frame-codec.js";
import { encodeHello, encodeReply } from "../src/handshake.js";
import { bindUdp, type UdpTransport, type UdpTransportOptions } from "../src/index.js";
import { drain, next, pattern, rejectionCode, thrownCode, until, within } from "./helpers.js";

const open = new OpenTransports<UdpTransport>();
const servers: Server[] = [];
const rawSockets: Socket[] = [];

function node(options: Partial<UdpTransportOptions> = {}): Promise<UdpTransport> {
  return open.track(bindUdp({ bind: "udp://127.0.0.1:0", ...options }));
}

afterEach(async () => {
  for (const s of rawSockets.splice(0)) s.destroy();
  await open.closeAll();
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/** Dials `to` and waits for the accepting side's stream too. */
async function pair(from: UdpTransport, to: UdpTransport): Promise<[Stream, Stream]> {
  const accepted = to.streams()[Symbol.asyncIterator]();
  const dialed = await from.dial(to.address);
  return [dialed, await next(accepted, 2000, "accepted stream")];
}

/** A raw TCP connection to a transport's stream port, for speaking broken protocol at it. */
function rawConnect(t: UdpTransport): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port: portOf(t.address) }, () => resolve(s));
    s.on("error", reject);
    rawSockets.push(s);
  });
}

/**
 * A raw TCP connection that has done the dialer's side of the handshake, announcing `announce`,
 * with its stream taken from `accepted`; for sending frames that are never finished.
 */
async function rawStream(
  t: UdpTransport,
  accepted: AsyncIterator<Stream>,
  announce: string,
): Promise<{ raw: Socket; stream: Stream }> {
  const raw = await rawConnect(t);
  const reply = new Promise<Buffer>((resolve) => {
    let received = Buffer.alloc(0);
    raw.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.byteLength >= 8) resolve(received);
    });
  });
  raw.write(encodeFrame(encodeHello(announce)));
  expect(await within(reply, 2000, "handshake reply")).toEqual(encodeFrame(encodeReply("accept")));
  return { raw, stream: await next(accepted, 2000, "accepted stream") };
}

function closedWithin(s: Socket, ms: number): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      if (s.destroyed) resolve();
      s.on("close", () => resolve());
    }),
    ms,
    "connection closed by the transport",
  );
}

const ipv6Available = await bindsIpv6Loopback(() => bindUdp({ bind: "udp://[::1]:0" }));

describe("binding", () => {
  it("port 0 picks one free port for UDP and TCP and reports it", async () => {
    const a = await node();
    expect(a.address).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/);
    expect(portOf(a.address)).toBeGreaterThan(0);
    expect(a.boundAddress).toBe(a.address);
    const b = await node();
    const [dialed] = await pair(b, a);
    expect(dialed.remote).toBe(a.address);
  });

  it("advertises a separate address, and dialers announce it as their remote", async () => {
    const a = await node({ advertise: "udp://127.0.0.1" });
    expect(a.address).toBe(a.boundAddress);
    const b = await node({ advertise: "udp://localhost:7000" });
    expect(b.address).toBe("udp://localhost:7000");
    const [, accepted] = await pair(b, a);
    expect(accepted.remote).toBe("udp://localhost:7000");
  });

  it.each([
    [{ bind: "udp://127.0.0.1:0", advertise: "udp://0.0.0.0:7946" }, "unspecified advertise"],
    [{ bind: "udp://127.0.0.1:0", advertise: "udp://[::]:7946" }, "unspecified IPv6 advertise"],
    [{ bind: "udp://0.0.0.0:0" }, "unspecified bind and no advertise"],
    [{ bind: "udp://[::]:0" }, "unspecified IPv6 bind and no advertise"],
    [{ bind: "udp://localhost:0" }, "a host name to bind"],
    [{ bind: "ws://127.0.0.1:0" }, "the wrong scheme"],
    [{ bind: "udp://127.0.0.1:0", advertise: "ws://127.0.0.1:1" }, "advertise of another scheme"],
    [{ bind: "udp://127.0.0.1:0/path" }, "a path"],
  ] as [UdpTransportOptions, string][])("refuses %j (%s) with invalid-address", async (options) => {
    expect(await rejectionCode(bindUdp(options))).toBe("invalid-address");
  });

  it("reports a taken port as address-in-use and frees it on close", async () => {
    const a = await node();
    const port = portOf(a.address);
    expect(await rejectionCode(bindUdp({ bind: `udp://127.0.0.1:${port}` }))).toBe(
      "address-in-use",
    );
    await a.close();
    const again = await node({ bind: `udp://127.0.0.1:${port}` });
    expect(again.address).toBe(`udp://127.0.0.1:${port}`);
  });

  it("refuses out-of-range numeric options", async () => {
    await expect(bindUdp({ bind: "udp://127.0.0.1:0", mtu: 0 })).rejects.toThrow(RangeError);
    await expect(bindUdp({ bind: "udp://127.0.0.1:0", mtu: 70_000 })).rejects.toThrow(RangeError);
  });

  it("refuses a maxBufferedFrameBytes below maxFrameBytes, and raises its default to fit", async () => {
    const bind = "udp://127.0.0.1:0";
    await expect(
      bindUdp({ bind, maxFrameBytes: 1000, maxBufferedFrameBytes: 999 }),
    ).rejects.toThrow(/maxBufferedFrameBytes must be at least maxFrameBytes \(1000\)/);
    await expect(bindUdp({ bind, maxBufferedFrameBytes: 0 })).rejects.toThrow(RangeError);
    await expect(bindUdp({ bind, maxBufferedFrameBytes: 1.5 })).rejects.toThrow(RangeError);
    // Only maxFrameBytes above the 64 MiB default budget: the budget follows it.
    await node({ maxFrameBytes: 100 * 1024 * 1024 });
    await node({ maxFrameBytes: 1000, maxBufferedFrameBytes: 1000 });
  });

  it("close is idempotent and ends the iterables", async () => {
    const a = await node();
    const datagrams = drain(a.datagrams());
    const streams = drain(a.streams());
    await Promise.all([a.close(), a.close()]);
    await a.close();
    expect(await datagrams).toEqual([]);
    expect(await streams).toEqual([]);
    expect(thrownCode(() => a.send("udp://127.0.0.1:9", new Uint8Array(1)))).toBe("closed");
    expect(await rejectionCode(a.dial("udp://127.0.0.1:9"))).toBe("closed");
  });
});

describe("datagrams", () => {
  it("arrive unchanged with the sender's canonical address", async () => {
    const a = await node();
    const b = await node();
    const incoming = b.datagrams()[Symbol.asyncIterator]();
    const data = pattern(a.mtu);
    a.send(b.address, data);
    const d = await next(incoming);
    expect(d.from).toBe(a.address);
    expect(Uint8Array.from(d.data)).toEqual(data);
    a.send(b.address, new Uint8Array(0));
    expect((await next(incoming)).data.byteLength).toBe(0);
  });

  it.skipIf(!ipv6Available)("work over IPv6 with a bracketed sender address", async () => {
    const a = await node({ bind: "udp://[::1]:0" });
    const b = await node({ bind: "udp://[::1]:0" });
    expect(a.address).toMatch(/^udp:\/\/\[::1\]:\d+$/);
    const incoming = b.datagrams()[Symbol.asyncIterator]();
    a.send(b.address, Uint8Array.of(6));
    const d = await next(incoming);
    expect(d.from).toBe(a.address);
    const [dialed, accepted] = await pair(a, b);
    await dialed.write(Uint8Array.of(1));
    expect([...(await next(accepted[Symbol.asyncIterator]()))]).toEqual([1]);
    expect(accepted.remote).toBe(a.address);
  });

  it("a destination named by a host name is looked up", async () => {
    const a = await node();
    const b = await node();
    const incoming = b.datagrams()[Symbol.asyncIterator]();
    a.send(`udp://localhost:${portOf(b.address)}`, Uint8Array.of(7));
    expect([...(await next(incoming)).data]).toEqual([7]);
    a.send(b.address, Uint8Array.of(8));
    expect([...(await next(incoming)).data]).toEqual([8]);
    expect(a.counters()).toMatchObject({ datagramsOut: 2, bytesOut: 2, sendErrors: 0 });
  });

  it("send copies the caller's buffer", async () => {
    const a = await node();
    const b = await node();
    const incoming = b.datagrams()[Symbol.asyncIterator]();
    const data = Uint8Array.of(1, 2, 3);
    a.send(b.address, data);
    data.fill(0);
    expect([...(await next(incoming)).data]).toEqual([1, 2, 3]);
  });

  it("exactly mtu bytes is sent; mtu + 1 throws oversized", async () => {
    const a = await node({ mtu: 512 });
    expect(a.mtu).toBe(512);
    expect(() => a.send(a.address, new Uint8Array(512))).not.toThrow();
    expect(thrownCode(() => a.send(a.address, new Uint8Array(513)))).toBe("oversized");
  });

  it("sending to nobody does not throw; bad destinations are invalid-address", async () => {
    const a = await node();
    const b = await node();
    const nobody = b.address;
    await b.close();
    expect(() => a.send(nobody, Uint8Array.of(1))).not.toThrow();
    expect(thrownCode(() => a.send("mem://x", Uint8Array.of(1)))).toBe("invalid-address");
    expect(thrownCode(() => a.send("udp://127.0.0.1", Uint8Array.of(1)))).toBe("invalid-address");
    // An IPv4 socket cannot reach an IPv6 peer: counted as a send error, not thrown.
    a.send("udp://[::1]:9", Uint8Array.of(1));
    expect(a.counters().sendErrors).toBe(1);
    expect(a.counters().sendErrorsByCode).toEqual({ EAFNOSUPPORT: 1 });
  });

  it("counts failed sends by the kernel's error code", async () => {
    // Both are refused by the kernel before anything leaves the host: a broadcast from a socket
    // without SO_BROADCAST (EACCES), and a non-local destination from a loopback-bound socket.
    const a = await node();
    a.send("udp://255.255.255.255:9", Uint8Array.of(1));
    a.send("udp://255.255.255.255:9", Uint8Array.of(2));
    a.send("udp://192.0.2.1:9", Uint8Array.of(3));
    await within(
      (async () => {
        while (a.counters().sendErrors < 3) await new Promise((r) => setImmediate(r));
      })(),
      2000,
      "three send errors",
    );
    const byCode = a.counters().sendErrorsByCode;
    expect(byCode.EACCES).toBe(2);
    expect(Object.values(byCode).reduce((x, y) => x + y, 0)).toBe(3);
    expect(Object.keys(byCode).every((code) => /^E[A-Z]+$/.test(code))).toBe(true);
    expect(a.counters()).toMatchObject({ datagramsOut: 0, sendErrors: 3 });
  });

  it("many senders reach one receiver, each with its own address", async () => {
    const receiver = await node();
    const senders = await Promise.all(Array.from({ length: 8 }, () => node()));
    const incoming = receiver.datagrams()[Symbol.asyncIterator]();
    for (const [i, s] of senders.entries()) s.send(receiver.address, Uint8Array.of(i));
    const seen = new Map<string, number>();
    for (let i = 0; i < senders.length; i++) {
      const d = await next(incoming);
      seen.set(d.from, d.data[0]!);
    }
    expect(seen).toEqual(new Map(senders.map((s, i) => [s.address, i])));
  });

  it("nothing is delivered after close", async () => {
    const a = await node();
    const b = await node();
    const incoming = b.datagrams()[Symbol.asyncIterator]();
    a.send(b.address, Uint8Array.of(1));
    await within(
      (async () => {
        while (b.counters().datagramsIn < 1) await new Promise((r) => setImmediate(r));
      })(),
      2000,
      "datagram queued",
    );
    await b.close();
    expect((await within(incoming.next(), 1000, "end")).done).toBe(true);
  });

  it("counts datagrams and bytes both ways", async () => {
    const a = await node();
    const b = await node();
    const incoming = b.datagrams()[Symbol.asyncIterator]();
    a.send(b.address, new Uint8Array(10));
    a.send(b.address, new Uint8Array(20));
    await next(incoming);
    await next(incoming);
    expect(b.counters()).toMatchObject({ datagramsIn: 2, bytesIn: 30 });
    expect(a.counters()).toMatchObject({ datagramsOut: 2, bytesOut: 30, sendErrors: 0 });
  });

  it("drops and counts datagrams beyond the queue limit when the reader lags", async () => {
    const a = await node();
    const b = await node({ datagramQueueLimit: 4 });
    for (let i = 0; i < 10; i++) a.send(b.address, Uint8Array.of(i));
    await within(
      (async () => {
        while (b.counters().datagramsIn + b.counters().datagramsDropped < 10) {
          await new Promise((r) => setImmediate(r));
        }
      })(),
      2000,
      "all datagrams seen",
    );
    expect(b.counters()).toMatchObject({ datagramsIn: 4, datagramsDropped: 6 });
  });
});

describe("streams", () => {
  it("carry whole frames in order, both ways, with half-close", async () => {
    const a = await node();
    const b = await node();
    const [dialed, accepted] = await pair(a, b);
    expect(accepted.remote).toBe(a.address);
    const frames = [pattern(0), pattern(1), pattern(70_000, 3), pattern(1_500_000, 5), pattern(9)];
    for (const f of frames) await dialed.write(f);
    await dialed.close();
    const got = await drain(accepted);
    // Compare with Buffer.equals: deep equality over megabyte arrays is slow.
    expect(got.map((f) => f.byteLength)).toEqual(frames.map((f) => f.byteLength));
    for (const [i, f] of got.entries()) expect(Buffer.from(f).equals(frames[i]!)).toBe(true);
    // The acceptor can still answer after the dialer's half-close (push-pull).
    await accepted.write(Uint8Array.of(42));
    await accepted.close();
    expect((await drain(dialed)).map((f) => [...f])).toEqual([[42]]);
  });

  it("both ends writing megabytes and closing at once lose nothing", async () => {
    const a = await node();
    const b = await node();
    const [dialed, accepted] = await pair(a, b);
    const big = pattern(2 * 1024 * 1024, 1);
    const received = await exchangeBothWays(dialed, accepted, big, 5, 10_000);
    expect(received).toEqual([5 * big.byteLength, 5 * big.byteLength]);
  });

  it("write rejects frames above maxFrameBytes with frame-too-large", async () => {
    const a = await node({ maxFrameBytes: 1000 });
    const b = await node();
    const [dialed] = await pair(a, b);
    expect(await rejectionCode(dialed.write(new Uint8Array(1001)))).toBe("frame-too-large");
    await dialed.write(new Uint8Array(1000));
  });

  it("drops a peer that sends a frame above the receiver's limit", async () => {
    const a = await node();
    const b = await node({ maxFrameBytes: 1000 });
    const [dialed, accepted] = await pair(a, b);
    await dialed.write(new Uint8Array(2000));
    expect(await rejectionCode(drain(accepted))).toBe("protocol");
    expect(b.counters().framesRejected).toBe(1);
    expect(await rejectionCode(drain(dialed))).toBe("reset");
  });

  it("a write after close rejects with closed", async () => {
    const a = await node();
    const b = await node();
    const [dialed] = await pair(a, b);
    await dialed.close();
    await dialed.close();
    expect(await rejectionCode(dialed.write(Uint8Array.of(1)))).toBe("closed");
  });

  it("abort makes the peer's iteration throw reset", async () => {
    const a = await node();
    const b = await node();
    const [dialed, accepted] = await pair(a, b);
    await dialed.write(Uint8Array.of(1));
    const it = accepted[Symbol.asyncIterator]();
    expect([...(await next(it))]).toEqual([1]);
    dialed.abort();
    dialed.abort();
    expect(await rejectionCode(it.next())).toBe("reset");
    // The aborting end stops reading and writing.
    expect(await drain(dialed)).toEqual([]);
    expect(await rejectionCode(dialed.write(Uint8Array.of(1)))).toBe("closed");
  });

  it("a transport closing mid-stream breaks its peers' streams with reset", async () => {
    const a = await node();
    const b = await node();
    const [dialed, accepted] = await pair(a, b);
    const reading = drain(dialed);
    await accepted.write(Uint8Array.of(1, 2));
    await b.close();
    expect(await rejectionCode(reading)).toBe("reset");
    expect(
      await rejectionCode(
        dialed.write(Uint8Array.of(1)).then(() => dialed.write(Uint8Array.of(1))),
      ),
    ).toBe("reset");
  });

  it("dialing a closed port rejects with unreachable", async () => {
    const a = await node();
    const b = await node();
    const gone = b.address;
    await b.close();
    expect(await rejectionCode(a.dial(gone))).toBe("unreachable");
    expect(await rejectionCode(a.dial("udp://0.0.0.0:1"))).toBe("invalid-address");
    expect(await rejectionCode(a.dial("ws://127.0.0.1:1"))).toBe("invalid-address");
  });

  it("dial times out when the peer accepts TCP but never answers the hello", async () => {
    const silent = createServer((s) => s.on("error", () => {}));
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const a = await node();
    const started = performance.now();
    expect(await rejectionCode(a.dial(`udp://127.0.0.1:${port}`, { timeoutMs: 150 }))).toBe(
      "timeout",
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("refuses streams beyond maxConnections with limit", async () => {
    const a = await node();
    const b = await node({ maxConnections: 1 });
    await pair(a, b);
    expect(await rejectionCode(a.dial(b.address))).toBe("limit");
    expect(b.counters().connectionsRefused).toBe(1);
    const c = await node({ maxConnections: 1 });
    await pair(c, a);
    expect(await rejectionCode(c.dial(a.address))).toBe("limit");
  });

  it("an idle stream is broken with timeout", async () => {
    const a = await node({ idleTimeoutMs: 150 });
    const b = await node();
    const [dialed] = await pair(a, b);
    expect(await rejectionCode(drain(dialed, 3000))).toBe("timeout");
  });

  it("a peer that stops reading makes writes wait, then time out", async () => {
    const a = await node({ writeTimeoutMs: 300 });
    const b = await node();
    // The accepted stream is never read: b pauses its socket and TCP flow control pushes back.
    const [dialed] = await pair(a, b);
    const frame = new Uint8Array(256 * 1024);
    const code = await rejectionCode(
      (async () => {
        for (let i = 0; i < 4096; i++) await dialed.write(frame);
      })(),
      10_000,
    );
    expect(code).toBe("timeout");
  });
});

describe("protocol violations on the stream port", () => {
  it("a huge length prefix drops the connection without allocating it", async () => {
    const b = await node();
    const raw = await rawConnect(b);
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
    await closedWithin(raw, 2000);
    expect(b.counters().framesRejected).toBe(1);
  });

  it("a garbage or unspecified-address hello is rejected", async () => {
    const b = await node();
    const garbage = await rawConnect(b);
    garbage.write(Buffer.from([0, 0, 0, 3, 1, 2, 3]));
    await closedWithin(garbage, 2000);
    const unspecified = await rawConnect(b);
    const hello = Buffer.from("GV\x01\x01udp://0.0.0.0:7946", "latin1");
    const frame = Buffer.alloc(4 + hello.length);
    frame.writeUInt32BE(hello.length, 0);
    hello.copy(frame, 4);
    unspecified.write(frame);
    await closedWithin(unspecified, 2000);
    expect(b.counters()).toMatchObject({ framesRejected: 2, streamsAccepted: 0 });
  });

  it("a connection that never says hello is dropped after the connect timeout", async () => {
    const b = await node({ connectTimeoutMs: 150 });
    const raw = await rawConnect(b);
    await closedWithin(raw, 3000);
  });
});

describe("buffer budget for incoming frames", () => {
  const KiB = 1024;

  it("breaks the connection whose frame does not fit; the others carry on", async () => {
    const b = await node({ maxFrameBytes: 64 * KiB, maxBufferedFrameBytes: 128 * KiB });
    const accepted = b.streams()[Symbol.asyncIterator]();
    const big = pattern(64 * KiB);
    const frame = encodeFrame(big);
    const peers = [];
    for (const port of [9001, 9002, 9003]) {
      peers.push(await rawStream(b, accepted, `udp://127.0.0.1:${port}`));
    }
    const [first, second, third] = peers as [
      (typeof peers)[0],
      (typeof peers)[0],
      (typeof peers)[0],
    ];

    first.raw.write(frame.subarray(0, 10));
    second.raw.write(frame.subarray(0, 10));
    await until(() => b.counters().bufferedFrameBytes === 128 * KiB, 2000, "two frames reserved");
    third.raw.write(frame.subarray(0, 10));
    await closedWithin(third.raw, 2000);
    expect(await rejectionCode(drain(third.stream))).toBe("limit");
    expect(b.counters()).toMatchObject({
      framesRefusedOverBudget: 1,
      framesRejected: 0,
      bufferedFrameBytes: 128 * KiB,
    });

    // The first connection finishes its frame and starts another; the second is still open.
    const firstFrames = first.stream[Symbol.asyncIterator]();
    first.raw.write(frame.subarray(10));
    expect(Uint8Array.from(await next(firstFrames))).toEqual(big);
    first.raw.write(frame.subarray(0, 10));
    await until(() => b.counters().bufferedFrameBytes === 128 * KiB, 2000, "the next frame");
    expect(second.raw.destroyed).toBe(false);

    first.raw.destroy();
    second.raw.destroy();
    await until(() => b.counters().bufferedFrameBytes === 0, 2000, "the budget released");

    const a = await node();
    const dialed = await a.dial(b.address);
    const legit = await next(accepted, 2000, "accepted stream");
    const payload = pattern(60 * KiB, 7);
    await dialed.write(payload);
    expect(Uint8Array.from(await next(legit[Symbol.asyncIterator]()))).toEqual(payload);
    expect(b.counters()).toMatchObject({ framesRefusedOverBudget: 1, bufferedFrameBytes: 0 });
  });

  it("gives a partial frame's reservation back however its connection ends", async () => {
    const b = await node({ maxFrameBytes: 1000, maxBufferedFrameBytes: 4000 });
    const accepted = b.streams()[Symbol.asyncIterator]();
    const partial = encodeFrame(pattern(1000)).subarray(0, 100);
    const endings: [string, (peer: { raw: Socket; stream: Stream }) => void][] = [
      ["the peer hangs up", ({ raw }) => raw.end()],
      ["the peer resets", ({ raw }) => raw.resetAndDestroy()],
      ["the stream is aborted here", ({ stream }) => stream.abort()],
      [
        "the stream is closed here, then the peer hangs up",
        ({ raw, stream }) => {
          void stream.close();
          raw.end();
        },
      ],
    ];
    let port = 9100;
    for (const [how, end] of endings) {
      const peer = await rawStream(b, accepted, `udp://127.0.0.1:${port++}`);
      peer.raw.write(partial);
      await until(() => b.counters().bufferedFrameBytes === 1000, 2000, `reserved (${how})`);
      end(peer);
      await until(() => b.counters().bufferedFrameBytes === 0, 2000, `released (${how})`);
    }

    // Closing the transport releases what its open connections hold.
    for (let i = 0; i < 4; i++) {
      const peer = await rawStream(b, accepted, `udp://127.0.0.1:${port++}`);
      peer.raw.write(partial);
    }
    await until(() => b.counters().bufferedFrameBytes === 4000, 2000, "four frames reserved");
    await b.close();
    expect(b.counters()).toMatchObject({ bufferedFrameBytes: 0, framesRefusedOverBudget: 0 });
  });

  it("an idle timeout mid-frame gives the reservation back", async () => {
    // Budget = one frame: a leaked reservation would refuse the next frame.
    const b = await node({ maxFrameBytes: 1000, maxBufferedFrameBytes: 1000, idleTimeoutMs: 300 });
    const accepted = b.streams()[Symbol.asyncIterator]();
    const { raw } = await rawStream(b, accepted, "udp://127.0.0.1:9200");
    raw.write(encodeFrame(pattern(1000)).subarray(0, 100));
    await closedWithin(raw, 3000);
    await until(() => b.counters().bufferedFrameBytes === 0, 2000, "the budget released");
    const a = await node();
    const dialed = await a.dial(b.address);
    const legit = await next(accepted, 2000, "accepted stream");
    await dialed.write(pattern(1000));
    expect(Uint8Array.from(await next(legit[Symbol.asyncIterator]()))).toEqual(pattern(1000));
    expect(b.counters().framesRefusedOverBudget).toBe(0);
  });
});
