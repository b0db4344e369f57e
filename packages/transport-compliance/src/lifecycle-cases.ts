import { expect, it } from "vitest";
import { equalBytes, patternBytes } from "./bytes.js";
import { deliver } from "./delivery.js";
import type { ComplianceContext } from "./factory.js";
import { datagramsOf, streamsOf } from "./inbox.js";
import { expectRejectsTransportError } from "./timeouts.js";

/** Registers the lifecycle cases: close, delivery after close, re-binding. */
export function lifecycleCases(ctx: ComplianceContext, withStreams: boolean): void {
  it("close is idempotent, also when called concurrently", async () => {
    const [a, b] = await ctx.createMany(2);
    await a!.close();
    await a!.close();
    await Promise.all([b!.close(), b!.close(), b!.close()]);
  });

  it("ends datagrams() and streams() iterations on close", async () => {
    const t = await ctx.create();
    const datagrams = datagramsOf(t);
    const streams = withStreams ? streamsOf(t) : undefined;
    await t.close();
    expect(await datagrams.settled(ctx.timeoutMs, "datagrams() to end after close")).toEqual({});
    if (streams !== undefined) {
      expect(await streams.settled(ctx.timeoutMs, "streams() to end after close")).toEqual({});
    }
  });

  it("delivers nothing after close", async () => {
    const [a, b] = await ctx.createMany(2);
    const before = patternBytes(16, 30);
    await deliver(ctx, a!, b!, before, "a datagram before close");
    const inbox = datagramsOf(b!);
    await b!.close();
    const after = patternBytes(16, 31);
    for (let i = 0; i < 5; i++) a!.send(b!.address, after);
    await inbox.settled(ctx.timeoutMs, "datagrams() to end after close");
    for (const d of inbox.received) expect(equalBytes(d.data, after)).toBe(false);
  });

  it("can bind an address again after the transport holding it closed", async () => {
    const [a, first] = await ctx.createMany(2);
    const address = first!.address;
    await first!.close();
    const again = await ctx.createAt(address);
    expect(again.address).toBe(address);
    const data = patternBytes(40, 32);
    const got = await deliver(ctx, a!, again, data, "a datagram at the re-bound address");
    expect(got.from).toBe(a!.address);
  });

  it("refuses to bind an address in use with address-in-use", async () => {
    const t = await ctx.create();
    await expectRejectsTransportError(
      () => ctx.createAt(t.address),
      "address-in-use",
      ctx.timeoutMs,
      "binding an address already bound",
    );
  });

  if (withStreams) {
    it("rejects dial with closed after close", async () => {
      const [a, b] = await ctx.createMany(2);
      await a!.close();
      await expectRejectsTransportError(
        () => a!.dial(b!.address),
        "closed",
        ctx.timeoutMs,
        "dial after close",
      );
    });
  }
}
