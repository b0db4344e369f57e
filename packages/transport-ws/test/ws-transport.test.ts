import { createConnection } from "node:net";
import {
  bindsIpv6Loopback,
  datagramsOf,
  exchangeBothWays,
  expectRejectsTransportError,
  expectThrowsTransportError,
  framesOf,
  OpenTransports,
  streamsOf,
  withTimeout,
} from "@grapevine/transport-compliance";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { bindWs, type WsTransport, type WsTransportOptions } from "../src/index.js";
import { testTls } from "./tls-fixture.js";

const T = 3000;
const open = new OpenTransports<WsTransport>();
const raw: WebSocket[] = [];

function listener(options: Partial<WsTransportOptions> = {}): Promise<WsTransport> {
  return open.track(bindWs({ listen: "ws://127.0.0.1:0/gossip", ...options }));
}

function dialOnly(options: Partial<WsTransportOptions> = {}): Promise<WsTransport> {
  return open.track(bindWs(options));
}

afterEach(async () => {
  for (const ws of raw.splice(0)) ws.terminate();
  await open.closeAll();
});

const bytes = (...b: number[]) => Uint8Array.from(b);

/** A raw `ws` client, for speaking the protocol wrongly on purpose. */
function rawClient(url: string, options: WebSocket.ClientOptions = {}): WebSocket {
  const ws = new WebSocket(url, options);
  ws.on("error", () => {});
  raw.push(ws);
  return ws;
}

function opened(ws: WebSocket): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("close", () => reject(new Error("closed before open")));
    }),
    T,
    "raw client open",
  );
}

function closed(ws: WebSocket, ms = T): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve(-1);
      ws.once("close", (code) => resolve(code));
    }),
    ms,
    "raw client closed by the transport",
  );
}

/** A raw client that has completed the hello as a peer link named `from`. */
async function rawPeer(t: WsTransport, from: string, options: WebSocket.ClientOptions = {}) {
  const ws = rawClient(t.address, options);
  const welcome = new Promise<string>((resolve) =>
    ws.once("message", (data) => resolve(String(data))),
  );
  await opened(ws);
  ws.send(JSON.stringify({ v: 1, kind: "hello", role: "peer", from }));
  expect(JSON.parse(await withTimeout(welcome, T, "welcome"))).toMatchObject({
    kind: "welcome",
    from: t.address,
  });
  return ws;
}

const ipv6Available = await bindsIpv6Loopback(() => bindWs({ listen: "ws://[::1]:0/g" }));

describe("binding and addresses", () => {
  it("reports the real port and path, and honours advertise", async () => {
    const a = await listener();
    expect(a.address).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/gossip$/);
    expect(a.scheme).toBe("ws");
    expect(a.listening).toBe(true);
    expect(a.boundAddress).toBe(a.address);
    const b = await listener({ advertise: "ws://localhost:0" });
    const port = b.boundAddress!.split(":")[2]!.split("/")[0];
    expect(b.address).toBe(`ws://localhost:${port}/gossip`);
    const c = await listener({ advertise: "wss://gossip.example.org/edge" });
    expect(c.address).toBe("wss://gossip.example.org/edge");
  });

  it("a dial-only node gets a ws-client identity, or the one it asks for", async () => {
    const a = await dialOnly();
    expect(a.address).toMatch(/^ws-client:\/\/[0-9a-f]{16}$/);
    expect(a.scheme).toBe("ws-client");
    expect(a.listening).toBe(false);
    expect(a.boundAddress).toBeUndefined();
    // It cannot reach another dial-only node: neither accepts connections.
    expect(a.schemes).toEqual(["ws", "wss"]);
    const b = await dialOnly({ advertise: "ws-client://browser-7" });
    expect(b.address).toBe("ws-client://browser-7");
    expect(b.address).not.toBe((await dialOnly()).address);
  });

  it.each([
    [{ listen: "ws://0.0.0.0:0/g" }, "unspecified listen, no advertise"],
    [{ listen: "ws://[::]:0/g" }, "unspecified IPv6 listen, no advertise"],
    [{ listen: "ws://127.0.0.1:0/g", advertise: "ws://0.0.0.0:1/g" }, "unspecified advertise"],
    [{ listen: "ws://127.0.0.1:0/g", advertise: "udp://127.0.0.1:1" }, "advertise of udp"],
    [{ listen: "udp://127.0.0.1:0" }, "listen on udp"],
    [{ listen: "wss://127.0.0.1:0/g" }, "wss without tls"],
    [{ advertise: "ws://127.0.0.1:1/g" }, "dial-only node advertising ws://"],
    [{ advertise: "ws-client://bad/id" }, "bad client identity"],
  ] as [WsTransportOptions, string][])("refuses %j (%s)", async (options) => {
    await expectRejectsTransportError(() => bindWs(options), "invalid-address", T, "bind");
  });

  it("a taken port is address-in-use", async () => {
    const a = await listener();
    await expectRejectsTransportError(
      () => bindWs({ listen: a.address }),
      "address-in-use",
      T,
      "second bind",
    );
  });

  it("answers plain HTTP with 426 and unknown paths with 404", async () => {
    const a = await listener();
    const port = Number(a.address.split(":")[2]!.split("/")[0]);
    const get = (path: string, upgrade: boolean) =>
      withTimeout(
        new Promise<string>((resolve) => {
          const s = createConnection({ host: "127.0.0.1", port }, () => {
            const headers = upgrade
              ? "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              : "";
            s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
          });
          let text = "";
          s.on("data", (d) => {
            text += String(d);
          });
          s.on("close", () => resolve(text.split("\r\n")[0]!));
          s.on("error", () => resolve(text));
          s.setTimeout(2000, () => s.destroy());
        }),
        T,
        `GET ${path}`,
      );
    expect(await get("/gossip", false)).toContain("426");
    expect(await get("/other", true)).toContain("404");
  });
});

describe("datagrams", () => {
  it("share one connection per peer pair, in both directions", async () => {
    const a = await listener();
    const b = await listener();
    for (let i = 0; i < 20; i++) a.send(b.address, bytes(i));
    await datagramsOf(b).atLeast(20, T, "20 datagrams at b");
    expect(datagramsOf(b).received.map((d) => d.data[0])).toEqual([...Array(20).keys()]);
    expect(datagramsOf(b).received.every((d) => d.from === a.address)).toBe(true);
    b.send(a.address, bytes(99));
    const back = await datagramsOf(a).next(T, "reply");
    expect(back).toMatchObject({ from: b.address });
    expect(a.counters().connectionsDialed).toBe(1);
    expect(b.counters().connectionsDialed).toBe(0);
    expect(b.counters().connectionsAccepted).toBe(1);
  });

  it("a dial-only node is answered over the connection it opened", async () => {
    const server = await listener();
    const client = await dialOnly();
    client.send(server.address, bytes(1, 2));
    const d = await datagramsOf(server).next(T, "datagram from the client");
    expect(d.from).toBe(client.address);
    server.send(d.from, bytes(3));
    const reply = await datagramsOf(client).next(T, "reply at the client");
    expect(reply.from).toBe(server.address);
    expect([...reply.data]).toEqual([3]);
  });

  it("sending to a dial-only node with no connection drops (counted), never throws", async () => {
    const server = await listener();
    server.send("ws-client://nobody", bytes(1));
    expect(server.counters().sendDrops).toBe(1);
    expectThrowsTransportError(
      () => server.send("udp://127.0.0.1:1", bytes(1)),
      "invalid-address",
      "send to another scheme",
    );
  });

  it("a client that reconnects under the same identity is reached over the new connection", async () => {
    const server = await listener();
    const first = await dialOnly({ advertise: "ws-client://roamer" });
    first.send(server.address, bytes(1));
    await datagramsOf(server).next(T, "first hello");
    await first.close();
    const second = await dialOnly({ advertise: "ws-client://roamer" });
    second.send(server.address, bytes(2));
    await datagramsOf(server).next(T, "second hello");
    server.send("ws-client://roamer", bytes(3));
    expect([...(await datagramsOf(second).next(T, "reply")).data]).toEqual([3]);
  });

  it("drops and counts a received datagram above the mtu, keeping the link", async () => {
    const server = await listener({ mtu: 100 });
    const ws = await rawPeer(server, "ws://127.0.0.1:1/peer");
    ws.send(new Uint8Array(101));
    ws.send(new Uint8Array(100));
    const d = await datagramsOf(server).next(T, "the datagram of exactly mtu");
    expect(d.data.byteLength).toBe(100);
    expect(d.from).toBe("ws://127.0.0.1:1/peer");
    expect(server.counters().protocolErrors).toBe(1);
    expect(datagramsOf(server).received.length).toBe(1);
  });

  it("drops datagrams instead of buffering without bound when the peer stops reading", async () => {
    const maxBufferedBytes = 64 * 1024;
    const server = await listener({ maxBufferedBytes });
    const ws = await rawPeer(server, "ws-client://sleepy");
    // Stop reading: the kernel buffers fill, then the server's connection buffer.
    ws.pause();
    const data = new Uint8Array(1400);
    for (let i = 0; i < 8000; i++) server.send("ws-client://sleepy", data);
    const c = server.counters();
    expect(c.sendDrops).toBeGreaterThan(0);
    expect(c.datagramsOut + c.sendDrops).toBe(8000);
    expect(c.datagramsOut * 1400).toBeLessThan(8000 * 1400);
  });

  it.skipIf(!ipv6Available)("work over IPv6", async () => {
    const a = await listener({ listen: "ws://[::1]:0/g" });
    const b = await listener({ listen: "ws://[::1]:0/g" });
    expect(a.address).toMatch(/^ws:\/\/\[::1\]:\d+\/g$/);
    a.send(b.address, bytes(6));
    expect(await datagramsOf(b).next(T, "IPv6 datagram")).toMatchObject({ from: a.address });
  });
});

describe("streams", () => {
  it("each stream has its own connection; frames arrive whole and in order; half-close", async () => {
    const a = await listener();
    const b = await listener();
    a.send(b.address, bytes(0));
    await datagramsOf(b).next(T, "datagram");
    const s = await a.dial(b.address);
    expect(a.counters().connectionsDialed).toBe(2);
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 253);
    await s.write(bytes(1));
    await s.write(big);
    await s.close();
    const acc = await streamsOf(b).next(T, "accepted");
    expect(acc.remote).toBe(a.address);
    const inbox = framesOf(acc);
    expect(await inbox.settled(T, "end")).toEqual({});
    expect(inbox.received.length).toBe(2);
    expect(Buffer.from(inbox.received[1]!).equals(big)).toBe(true);
    await acc.write(bytes(42));
    await acc.close();
    const back = framesOf(s);
    expect(await back.settled(T, "end at the dialer")).toEqual({});
    expect(back.received.map((f) => [...f])).toEqual([[42]]);
  });

  it("both ends writing megabytes and closing at once lose nothing", async () => {
    const a = await listener();
    const b = await listener();
    const dialed = await a.dial(b.address);
    const accepted = await streamsOf(b).next(T, "accepted");
    const big = new Uint8Array(2 * 1024 * 1024).fill(3);
    const received = await exchangeBothWays(dialed, accepted, big, 5, 10_000);
    expect(received).toEqual([5 * big.byteLength, 5 * big.byteLength]);
  });

  it("a listener opens a stream to a dial-only node through the node's connection", async () => {
    const server = await listener();
    const client = await dialOnly();
    client.send(server.address, bytes(1));
    const hello = await datagramsOf(server).next(T, "client datagram");
    const s = await server.dial(hello.from);
    expect(s.remote).toBe(client.address);
    const acc = await streamsOf(client).next(T, "stream at the client");
    expect(acc.remote).toBe(server.address);
    await s.write(bytes(5));
    expect([...(await framesOf(acc).next(T, "frame"))]).toEqual([5]);
    await acc.write(bytes(6));
    expect([...(await framesOf(s).next(T, "answer"))]).toEqual([6]);
  });

  it("a dial-only node without a connection cannot be dialed", async () => {
    const server = await listener();
    await expectRejectsTransportError(
      () => server.dial("ws-client://stranger"),
      "unreachable",
      T,
      "dial a dial-only stranger",
    );
  });

  it("a hello with a token nobody issued is refused", async () => {
    const server = await listener();
    const ws = rawClient(server.address);
    const reply = new Promise<string>((resolve) => ws.once("message", (d) => resolve(String(d))));
    await opened(ws);
    ws.send(
      JSON.stringify({
        v: 1,
        kind: "hello",
        role: "stream",
        from: "ws-client://x",
        token: "0123456789abcdef0123456789abcdef",
      }),
    );
    expect(JSON.parse(await withTimeout(reply, T, "refusal"))).toMatchObject({
      kind: "refuse",
      reason: "unknown-token",
    });
    await closed(ws);
  });

  it("dialing a wrong path or a closed port rejects unreachable", async () => {
    const a = await listener();
    const b = await listener();
    await expectRejectsTransportError(
      () => a.dial(b.address.replace("/gossip", "/elsewhere")),
      "unreachable",
      T,
      "wrong path",
    );
    const gone = b.address;
    await b.close();
    await expectRejectsTransportError(() => a.dial(gone), "unreachable", T, "closed port");
  });

  it("refuses connections beyond maxConnections with limit", async () => {
    const a = await listener();
    const b = await listener({ maxConnections: 1 });
    await a.dial(b.address);
    await expectRejectsTransportError(() => a.dial(b.address), "limit", T, "second stream");
    expect(b.counters().connectionsRefused).toBe(1);
    const c = await listener({ maxConnections: 1 });
    await c.dial(a.address);
    await expectRejectsTransportError(() => c.dial(a.address), "limit", T, "over own limit");
  });

  it("a writer whose peer stops reading waits, then times out", async () => {
    const a = await listener({ writeTimeoutMs: 300, maxBufferedBytes: 256 * 1024 });
    const b = await listener();
    const s = await a.dial(b.address);
    // b accepts the stream but never reads it: b pauses the connection, TCP pushes back.
    await streamsOf(b).next(T, "accepted");
    const frame = new Uint8Array(256 * 1024);
    await expectRejectsTransportError(
      async () => {
        for (let i = 0; i < 4096; i++) await s.write(frame);
      },
      "timeout",
      10_000,
      "writes into a stalled peer",
    );
  });

  it("frames above the receiver's limit break the stream with protocol", async () => {
    const a = await listener({ maxFrameBytes: 1 << 20 });
    const b = await listener({ maxFrameBytes: 1000 });
    const s = await a.dial(b.address);
    const acc = await streamsOf(b).next(T, "accepted");
    await s.write(new Uint8Array(5000));
    const r = await framesOf(acc).settled(T, "the acceptor's iteration");
    expect((r.error as { code?: string }).code).toBe("protocol");
    await framesOf(s).settled(T, "the dialer's iteration");
    expect(b.counters().protocolErrors).toBeGreaterThanOrEqual(1);
  });
});

describe("connection hygiene", () => {
  it("closes a connection that never says hello after the handshake timeout", async () => {
    const server = await listener({ handshakeTimeoutMs: 150 });
    const ws = rawClient(server.address);
    await opened(ws);
    await closed(ws);
  });

  it("closes a connection whose hello is garbage, counting it", async () => {
    const server = await listener();
    const ws = rawClient(server.address);
    await opened(ws);
    ws.send('{"v":1,"kind":"hello","role":"peer","from":"ws://0.0.0.0:1/g"}');
    expect(await closed(ws)).toBe(1002);
    const binary = rawClient(server.address);
    await opened(binary);
    binary.send(bytes(1, 2, 3));
    await closed(binary);
    expect(server.counters().protocolErrors).toBe(2);
  });

  it("allows a connection only a small message until its hello names it a stream", async () => {
    const server = await listener();
    const early = rawClient(server.address);
    await opened(early);
    early.send(new Uint8Array(100_000));
    expect(await closed(early)).toBe(1009);
    // A stream connection may then send frames up to maxFrameBytes.
    const client = await listener();
    const s = await client.dial(server.address);
    await s.write(new Uint8Array(1_000_000));
    const f = await framesOf(await streamsOf(server).next(T, "accepted")).next(T, "big frame");
    expect(f.byteLength).toBe(1_000_000);
  });

  it("closes a connection that stops answering pings", async () => {
    const server = await listener({ keepAliveMs: 100 });
    const ws = await rawPeer(server, "ws-client://mute", { autoPong: false });
    await closed(ws, 3000);
    expect(server.counters().keepAliveTimeouts).toBe(1);
  });

  it("keeps a connection that answers pings", async () => {
    const server = await listener({ keepAliveMs: 50 });
    const ws = await rawPeer(server, "ws-client://chatty");
    // Wait for several pings (each answered by the client's automatic pong): still connected.
    await withTimeout(
      new Promise<void>((resolve) => {
        let pings = 0;
        ws.on("ping", () => {
          if (++pings === 4) resolve();
        });
      }),
      T,
      "four pings",
    );
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(server.counters().keepAliveTimeouts).toBe(0);
    server.send("ws-client://chatty", bytes(7));
    const got = await withTimeout(
      new Promise<Buffer>((resolve) => ws.once("message", (d) => resolve(d as Buffer))),
      T,
      "datagram over the kept link",
    );
    expect([...got]).toEqual([7]);
  });

  it("nothing is delivered after close, and close is idempotent", async () => {
    const a = await listener();
    const b = await listener();
    a.send(b.address, bytes(1));
    await datagramsOf(b).next(T, "first");
    await Promise.all([b.close(), b.close()]);
    expect(await datagramsOf(b).settled(T, "end")).toEqual({});
    expectThrowsTransportError(() => b.send(a.address, bytes(1)), "closed", "send after close");
  });
});

describe("wss", () => {
  it("carries datagrams and streams over TLS with a trusted certificate", async () => {
    const a = await listener({ listen: "wss://127.0.0.1:0/g", tls: testTls });
    const b = await listener({ listen: "wss://localhost:0/g", tls: testTls });
    expect(a.scheme).toBe("wss");
    a.send(b.address, bytes(1));
    expect(await datagramsOf(b).next(T, "wss datagram")).toMatchObject({ from: a.address });
    const client = await dialOnly({ tls: { ca: testTls.ca! } });
    const s = await client.dial(a.address);
    await s.write(bytes(2));
    expect([...(await framesOf(await streamsOf(a).next(T, "accepted")).next(T, "f"))]).toEqual([2]);
  });

  it("refuses a peer whose certificate it does not trust", async () => {
    const a = await listener({ listen: "wss://127.0.0.1:0/g", tls: testTls });
    const client = await dialOnly();
    await expectRejectsTransportError(() => client.dial(a.address), "unreachable", T, "dial");
  });
});
