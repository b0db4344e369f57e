import { isUnspecifiedHost, parseAddress } from "@grapevine/transport";
import { expect, it } from "vitest";
import { equalBytes, patternBytes, taggedBytes, tagOf } from "./bytes.js";
import { deliver, yieldToEventLoop } from "./delivery.js";
import type { ComplianceContext } from "./factory.js";
import { datagramsOf } from "./inbox.js";
import { expectThrowsTransportError } from "./timeouts.js";

/** Registers the datagram cases: payloads, sizes, senders, absent peers, bursts. */
export function datagramCases(ctx: ComplianceContext): void {
  it("advertises a canonical address URL of its own scheme", async () => {
    const [a, b] = await ctx.createMany(2);
    for (const t of [a!, b!]) {
      const address = parseAddress(t.address);
      expect(address.scheme).toBe(t.scheme);
      expect(address.url).toBe(t.address);
      expect(isUnspecifiedHost(address.host)).toBe(false);
      expect(Number.isSafeInteger(t.mtu) && t.mtu > 0).toBe(true);
      expect(Number.isSafeInteger(t.maxFrameBytes) && t.maxFrameBytes > 0).toBe(true);
    }
    expect(a!.address).not.toBe(b!.address);
  });

  it("delivers a datagram unchanged, with the sender's address as from, both ways", async () => {
    const [a, b] = await ctx.createMany(2);
    const ab = patternBytes(100, 1);
    const got = await deliver(ctx, a!, b!, ab, "a datagram a → b");
    expect(got.from).toBe(a!.address);
    expect(equalBytes(got.data, ab)).toBe(true);
    const ba = patternBytes(77, 2);
    const back = await deliver(ctx, b!, a!, ba, "a datagram b → a");
    expect(back.from).toBe(b!.address);
    expect(equalBytes(back.data, ba)).toBe(true);
  });

  it("delivers a datagram of exactly mtu bytes whole", async () => {
    const [a, b] = await ctx.createMany(2);
    const data = patternBytes(a!.mtu, 3);
    const got = await deliver(ctx, a!, b!, data, `a datagram of mtu = ${a!.mtu} bytes`);
    expect(got.data.byteLength).toBe(a!.mtu);
    expect(equalBytes(got.data, data)).toBe(true);
  });

  it("throws oversized for mtu + 1 bytes and delivers nothing of it", async () => {
    const [a, b] = await ctx.createMany(2);
    expectThrowsTransportError(
      () => a!.send(b!.address, patternBytes(a!.mtu + 1, 4)),
      "oversized",
      "send of mtu + 1 bytes",
    );
    expectThrowsTransportError(
      () => a!.send(b!.address, new Uint8Array(a!.mtu * 4 + 1)),
      "oversized",
      "send of 4 × mtu + 1 bytes",
    );
    const marker = patternBytes(8, 5);
    await deliver(ctx, a!, b!, marker, "a marker datagram after the oversized one");
    for (const d of datagramsOf(b!).received) expect(d.data.byteLength).toBeLessThanOrEqual(a!.mtu);
    if (!ctx.lossy) expect(datagramsOf(b!).received.length).toBe(1);
  });

  it("copies the payload: the sender may reuse its buffer as soon as send returns", async () => {
    const [a, b] = await ctx.createMany(2);
    const original = patternBytes(64, 6);
    // A lossy transport gets several tries; each buffer is wiped right after its send.
    const tries = ctx.lossy ? 20 : 1;
    for (let i = 0; i < tries; i++) {
      const buffer = original.slice();
      a!.send(b!.address, buffer);
      buffer.fill(0);
      if (ctx.lossy) await yieldToEventLoop();
    }
    const inbox = datagramsOf(b!);
    await inbox.atLeast(1, ctx.timeoutMs, "the datagram sent from a reused buffer");
    for (const d of inbox.received) expect(equalBytes(d.data, original)).toBe(true);
  });

  it("does not throw when sending to an address nobody listens on", async () => {
    const [a, b] = await ctx.createMany(2);
    const nobody = await ctx.addressOfNobody();
    for (let i = 0; i < 10; i++) a!.send(nobody, patternBytes(32, 7 + i));
    // Give the failure a chance to surface asynchronously (e.g. ICMP port unreachable).
    await yieldToEventLoop();
    const data = patternBytes(32, 20);
    const got = await deliver(ctx, a!, b!, data, "a datagram after sending to nobody");
    expect(got.from).toBe(a!.address);
  });

  it("throws closed when sending after close", async () => {
    const [a, b] = await ctx.createMany(2);
    await a!.close();
    expectThrowsTransportError(
      () => a!.send(b!.address, patternBytes(8, 21)),
      "closed",
      "send after close",
    );
  });

  it("delivers datagrams from many senders to one receiver (10 senders × 50)", async () => {
    const senders = 10;
    const perSender = 50;
    const receiver = await ctx.create();
    const from = await ctx.createMany(senders);
    const inbox = datagramsOf(receiver);
    const expected = senders * perSender;
    for (let seq = 0; seq < perSender; seq++) {
      for (let s = 0; s < senders; s++) {
        from[s]!.send(receiver.address, taggedBytes(s * 1000 + seq, 48 + ((s + seq) % 200)));
      }
      // One round per event-loop turn, as a gossip round would pace them.
      await yieldToEventLoop();
    }
    const need = ctx.lossy ? Math.ceil(expected * ctx.minDeliveryRatio) : expected;
    await inbox.atLeast(need, ctx.timeoutMs, `${need} of ${expected} datagrams`);
    const seen = new Set<number>();
    for (const d of inbox.received) {
      const tag = tagOf(d.data);
      expect(tag).toBeDefined();
      const s = Math.floor(tag! / 1000);
      const seq = tag! % 1000;
      expect(from[s]?.address).toBe(d.from);
      expect(equalBytes(d.data, taggedBytes(tag!, 48 + ((s + seq) % 200)))).toBe(true);
      seen.add(tag!);
    }
    expect(seen.size).toBeGreaterThanOrEqual(need);
  });
}
