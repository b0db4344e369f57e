import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestHashPayload, payloadDigestHash, payloadFeatures } from "../src/anti-entropy.js";
import { CoreNet } from "./harness.js";

const NAMES = ["a", "b", "c", "d", "e"];

function joined(seed: number): CoreNet {
  const net = new CoreNet(NAMES, seed);
  for (const name of NAMES.slice(1)) net.step(name, (now, core) => core.join(["mem://a"], now));
  net.runFair(5_000);
  for (const name of NAMES) expect(net.core(name).aliveCount()).toBe(NAMES.length);
  return net;
}

const digests = (net: CoreNet) =>
  NAMES.reduce((sum, name) => sum + net.core(name).counters.antiEntropyRounds, 0);

describe("anti-entropy driven by the digest hash on acks", () => {
  it("the hash payload round-trips; other payloads carry none", () => {
    expect(payloadDigestHash(digestHashPayload(0xdeadbeef))).toBe(0xdeadbeef);
    expect(payloadDigestHash(new Uint8Array(0))).toBeUndefined();
    expect(payloadDigestHash(new Uint8Array([2, 0, 0, 0, 1]))).toBeUndefined();
    expect(payloadDigestHash(new Uint8Array([1, 0, 0, 0]))).toBeUndefined();
  });

  it("any hash and feature byte round-trip, big-endian, read in place from inside a packet", () => {
    expect([...digestHashPayload(0x0102_0304, 5)]).toEqual([1, 1, 2, 3, 4, 5]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), fc.nat(255), fc.nat(64), (h, f, at) => {
        const packet = new Uint8Array(at + 6 + 3).fill(0xee);
        packet.set(digestHashPayload(h, f), at);
        const payload = packet.subarray(at);
        expect(payloadDigestHash(payload)).toBe(h);
        expect(payloadFeatures(payload)).toBe(f);
      }),
    );
  });

  it("sends no digest at all while nothing differs", () => {
    for (const seed of [1, 2, 3]) {
      const net = joined(seed);
      net.step("a", (now, core) => core.set("k", new TextEncoder().encode("v"), now));
      net.runFair(5_000);
      const before = digests(net);
      net.runFair(30_000);
      expect(digests(net)).toBe(before);
    }
  });

  it("repairs a member that missed every piggy-backed copy of a write, before any push-pull", () => {
    for (const seed of [4, 5, 6]) {
      const net = joined(seed);
      net.cut.add("e");
      net.step("a", (now, core) => core.set("k", new TextEncoder().encode("v"), now));
      // Long enough for a's broadcasts to be used up, short of e being suspected for long.
      net.runFair(800);
      expect(net.core("a").queueDepth().state).toBe(0);
      net.cut.delete("e");
      const before = digests(net);
      net.runFair(3_000);
      expect(net.core("e").store.get("a", "k")).toBeDefined();
      expect(digests(net)).toBeGreaterThan(before);
    }
  });
});
