import { TransportError } from "@grapevine/transport";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { bindWs as bindBrowser } from "../src/bind-ws.browser.js";
import type { WebSocketConstructor } from "../src/browser-socket.js";
import { bindWs } from "../src/index.js";
import type { WsTransport } from "../src/ws-transport.js";

// `ws`'s client implements the WHATWG WebSocket API the browser entry uses (binaryType,
// addEventListener, bufferedAmount): the browser code paths, run in Node.
const StandardWebSocket = WebSocket as unknown as WebSocketConstructor;
const open: WsTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function pair(): Promise<{ server: WsTransport; browser: WsTransport }> {
  const server = await bindWs({ listen: "ws://127.0.0.1:0/gossip" });
  const browser = await bindBrowser({ WebSocket: StandardWebSocket });
  open.push(server, browser);
  return { server, browser };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("the browser entry (standard WebSocket, dial-only)", () => {
  it("refuses to listen", async () => {
    const bad = bindBrowser({ listen: "ws://127.0.0.1:0/" } as never);
    await expect(bad).rejects.toBeInstanceOf(TransportError);
    await expect(bad).rejects.toMatchObject({ code: "invalid-address" });
  });

  it("has a ws-client identity and is not listening", async () => {
    const { browser } = await pair();
    expect(browser.address).toMatch(/^ws-client:\/\/[0-9a-f]{16}$/);
    expect(browser.listening).toBe(false);
    // It cannot reach another dial-only node: neither accepts connections.
    expect(browser.schemes).toEqual(["ws", "wss"]);
  });

  it("datagrams go both ways over the connection it opened", async () => {
    const { server, browser } = await pair();
    const atServer = server.datagrams()[Symbol.asyncIterator]();
    const atBrowser = browser.datagrams()[Symbol.asyncIterator]();
    browser.send(server.address, new TextEncoder().encode("ping"));
    const ping = (await atServer.next()).value!;
    expect(ping.from).toBe(browser.address);
    expect(text(ping.data)).toBe("ping");
    server.send(ping.from, new TextEncoder().encode("ack"));
    const ack = (await atBrowser.next()).value!;
    expect(ack.from).toBe(server.address);
    expect(text(ack.data)).toBe("ack");
  });

  it("streams both ways: dialed by it, and opened back at a listener's request", async () => {
    const { server, browser } = await pair();
    const serverStreams = server.streams()[Symbol.asyncIterator]();
    const out = await browser.dial(server.address);
    await out.write(new TextEncoder().encode("request"));
    const accepted = (await serverStreams.next()).value!;
    const reader = accepted[Symbol.asyncIterator]();
    expect(text((await reader.next()).value!)).toBe("request");
    await accepted.write(new TextEncoder().encode("reply"));
    await accepted.close();
    const got: string[] = [];
    await out.close();
    for await (const f of out) got.push(text(f));
    expect(got).toEqual(["reply"]);

    // A stream towards it needs the peer link it opens with its first datagram.
    const atServer = server.datagrams()[Symbol.asyncIterator]();
    browser.send(server.address, new Uint8Array([1]));
    await atServer.next();
    const browserStreams = browser.streams()[Symbol.asyncIterator]();
    const back = await server.dial(browser.address, { timeoutMs: 3000 });
    await back.write(new TextEncoder().encode("state"));
    await back.close();
    const inBrowser = (await browserStreams.next()).value!;
    const frames: string[] = [];
    for await (const f of inBrowser) frames.push(text(f));
    expect(frames).toEqual(["state"]);
  });

  it("a listener's datagrams to it are dropped once its connection is gone", async () => {
    const { server, browser } = await pair();
    const atServer = server.datagrams()[Symbol.asyncIterator]();
    browser.send(server.address, new Uint8Array([1]));
    await atServer.next();
    await browser.close();
    const deadline = Date.now() + 3000;
    // The server notices the closed connection; then nothing routes to the ws-client identity.
    while (Date.now() < deadline) {
      const before = server.counters().sendDrops;
      server.send(browser.address, new Uint8Array([2]));
      if (server.counters().sendDrops > before) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(server.counters().sendDrops).toBeGreaterThan(0);
  });
});
