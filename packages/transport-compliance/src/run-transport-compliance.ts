import type { Transport } from "@grapevine/transport";
import { afterAll, afterEach, beforeAll, describe } from "vitest";
import { datagramCases } from "./datagram-cases.js";
import { type ComplianceContext, type ComplianceFactory, OpenTransports } from "./factory.js";
import { lifecycleCases } from "./lifecycle-cases.js";
import { streamCases } from "./stream-cases.js";
import { withTimeout } from "./timeouts.js";

/**
 * Registers the transport compliance suite as a vitest `describe(name)` block. Every transport
 * package calls it from its own tests with a factory of fresh transports; a transport is done
 * when it passes. The cases cover datagrams (bytes and sender intact, `mtu` exact and
 * `mtu + 1` → `oversized`, sending to nobody, many senders), lifecycle (close idempotent, nothing
 * delivered after close, iterations end, re-binding, address in use) and streams (frames whole
 * and in order both ways, `maxFrameBytes` and `frame-too-large`, close, abort and a vanished peer
 * → `reset`, dial to nobody, concurrent dialers, writes after close → `closed`).
 *
 * Every wait is bounded by `factory.timeoutMs`: a transport that hangs fails, it does not stall
 * the run.
 */
export function runTransportCompliance(name: string, factory: ComplianceFactory): void {
  const timeoutMs = factory.timeoutMs ?? 5000;
  const open = new OpenTransports<Transport>();
  const bind = (binding: Promise<Transport>, what: string) =>
    open.track(withTimeout(binding, timeoutMs, what));
  const ctx: ComplianceContext = {
    timeoutMs,
    dialTimeoutMs: factory.dialTimeoutMs ?? 2000,
    lossy: factory.lossy ?? false,
    minDeliveryRatio: factory.minDeliveryRatio ?? 0.95,
    create: () => bind(factory.create(), "create()"),
    createAt: (address) => bind(factory.createAt(address), `createAt(${address})`),
    createMany: async (n) => {
      const out: Transport[] = [];
      for (let i = 0; i < n; i++) out.push(await ctx.create());
      return out;
    },
    addressOfNobody: async () => factory.addressOfNobody(),
  };

  describe(name, () => {
    beforeAll(async () => {
      await factory.setup?.();
    });
    afterEach(() => open.closeAll(timeoutMs));
    afterAll(async () => {
      await factory.teardown?.();
    });

    describe("datagrams", () => datagramCases(ctx));
    describe("lifecycle", () => lifecycleCases(ctx, factory.streams !== false));
    if (factory.streams !== false) describe("streams", () => streamCases(ctx));
  });
}
