/**
 * Network coordinates in the node core: RTT measured from our pings to their acks, the probed
 * member's coordinate on the ack, and members without coordinates (older ones) in the same cluster.
 */
import { decode } from "@grapevine/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DIGEST_HASH_PAYLOAD_BYTES,
  DIGEST_HASH_TAG,
  digestHashPayload,
} from "../src/anti-entropy.js";
import {
  COORDINATE_TAG,
  Coordinates,
  coordinateSectionBytes,
  fromHalf,
  HALF_COORDINATE_TAG,
  payloadCoordinate,
  toHalf,
  withCoordinate,
} from "../src/coordinates.js";
import { CoreNet, converge } from "./harness.js";

const NAMES = ["a", "b", "c", "d"];

describe("coordinates in the node core", () => {
  it("acks carry the coordinate; every member learns the others' and estimates an RTT", () => {
    const net = new CoreNet(NAMES, 1);
    converge(net);
    let coordinateAcks = 0;
    const deliver = net.deliver.bind(net);
    net.deliver = (m) => {
      if (m.kind === "datagram") {
        const r = decode(m.bytes);
        for (const msg of r.ok ? r.envelope.messages : []) {
          if (msg.type !== "ack") continue;
          expect(msg.payload.length).toBe(DIGEST_HASH_PAYLOAD_BYTES + coordinateSectionBytes(8));
          expect(payloadCoordinate(msg.payload)).toBeDefined();
          coordinateAcks += 1;
        }
      }
      deliver(m);
    };
    net.runFair(20_000);
    expect(coordinateAcks).toBeGreaterThan(20);
    for (const name of NAMES) {
      const core = net.core(name);
      expect(core.coordinates.stats.updates).toBeGreaterThan(5);
      for (const other of NAMES) {
        expect(core.coordinates.of(other)).toBeDefined();
        // The harness delivers within the step: every RTT is ~0, and so are the estimates.
        expect(core.coordinates.rtt(other)).toBeLessThan(5);
      }
    }
  });

  it("a member without coordinates works with members that have them, and is never estimated", () => {
    const net = new CoreNet(NAMES, 2, undefined, (name) => ({ coordinates: name !== "d" }));
    converge(net);
    net.runFair(20_000);
    for (const name of NAMES) {
      const core = net.core(name);
      expect(core.members().every((m) => m.status === "alive")).toBe(true);
      expect(core.counters.drops.malformed).toBe(0);
      expect(core.coordinates.of("d")).toBeUndefined();
      expect(core.coordinates.rtt("d")).toBeUndefined();
    }
    expect(net.core("a").coordinates.of("b")).toBeDefined();
    expect(net.core("d").coordinates.stats.updates).toBe(0);
    // State still spreads both ways (the digest hash is read past the coordinate section).
    net.step("d", (now, core) => core.set("k", new Uint8Array([1]), now));
    net.step("a", (now, core) => core.set("k", new Uint8Array([2]), now));
    net.runFair(5_000);
    expect(net.core("a").store.get("d", "k")?.value).toEqual(new Uint8Array([1]));
    expect(net.core("d").store.get("a", "k")?.value).toEqual(new Uint8Array([2]));
  });

  it("a member that fails is forgotten", () => {
    const net = new CoreNet(NAMES, 3);
    converge(net);
    net.runFair(10_000);
    expect(net.core("a").coordinates.of("c")).toBeDefined();
    net.cut.add("c");
    net.runFair(30_000);
    expect(net.core("a").member("c")?.status ?? "forgotten").not.toBe("alive");
    expect(net.core("a").coordinates.of("c")).toBeUndefined();
  });
});

describe("round-trip samples", () => {
  const ping = (seq: number) => ({
    type: "ping" as const,
    seq,
    target: "b",
    source: "a",
    sourceAddresses: [],
  });
  const ack = (seq: number) => ({
    type: "ack" as const,
    seq,
    source: "b",
    payload: withCoordinate(digestHashPayload(7), {
      vec: [0.001, 0, 0, 0, 0, 0, 0, 0],
      error: 1,
      adjustment: 0,
      height: 1e-5,
    }),
  });

  it("time a ping sent once from its sending to its ack", () => {
    const c = new Coordinates("a", 1);
    c.stamp([ping(8)], 1_000);
    expect(c.heard(ack(8), true, 1_030)).toBe(30);
    expect(c.stats.updates).toBe(1);
    // Answered once: a second ack for the same seq measures nothing.
    expect(c.heard(ack(8), true, 1_040)).toBeUndefined();
  });

  it("take nothing from the ack of a ping sent twice (Karn's rule): it may answer either", () => {
    const c = new Coordinates("a", 1);
    c.stamp([ping(7)], 0);
    // The prober's timeout passed: the same seq goes out again, and the first ping's ack, slow,
    // comes 10 ms later. Measured from the second ping it would say 10 ms for a 160 ms trip.
    c.stamp([ping(7)], 150);
    expect(c.heard(ack(7), true, 160)).toBeUndefined();
    expect(c.stats.updates).toBe(0);
    // The next probe is timed again.
    c.stamp([ping(9)], 1_000);
    expect(c.heard(ack(9), true, 1_160)).toBe(160);
  });

  it("take nothing from a relayed ack (not from the member itself)", () => {
    const c = new Coordinates("a", 1);
    c.stamp([ping(5)], 0);
    expect(c.heard(ack(5), false, 20)).toBeUndefined();
    expect(c.stats.updates).toBe(0);
  });
});

describe("the coordinate section on the wire", () => {
  it("every half-precision value survives a round trip bit for bit (NaNs stay NaN)", () => {
    for (let bits = 0; bits <= 0xffff; bits++) {
      const x = fromHalf(bits);
      if (Number.isNaN(x)) expect(Number.isNaN(fromHalf(toHalf(x)))).toBe(true);
      else expect(toHalf(x)).toBe(bits);
    }
  });

  it("every half-precision value reads as IEEE 754 defines it", () => {
    for (let bits = 0; bits <= 0xffff; bits++) {
      const sign = bits & 0x8000 ? -1 : 1;
      const exponent = (bits >>> 10) & 0x1f;
      const mantissa = bits & 0x3ff;
      const expected =
        exponent === 0
          ? sign * mantissa * 2 ** -24
          : exponent === 0x1f
            ? mantissa === 0
              ? sign * Number.POSITIVE_INFINITY
              : Number.NaN
            : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
      expect(Object.is(fromHalf(bits), expected)).toBe(true);
    }
  });

  it("a number rounds to the nearer of the two half-precision values around it", () => {
    fc.assert(
      fc.property(fc.double({ min: -65_000, max: 65_000, noNaN: true }), (x) => {
        const y = fromHalf(toHalf(Math.fround(x)));
        const f = Math.fround(x);
        // The neighbours of y: no half-precision value lies closer to f than y does.
        const up = fromHalf(toHalf(y) + (y >= 0 ? 1 : -1));
        const down = y === 0 ? -fromHalf(1) : fromHalf(toHalf(y) - (y > 0 ? 1 : -1));
        expect(Math.abs(f - y)).toBeLessThanOrEqual(Math.abs(f - up));
        expect(Math.abs(f - y)).toBeLessThanOrEqual(Math.abs(f - down));
        // In the normal range that is within 2^-11 of the number.
        if (Math.abs(f) >= 2 ** -14)
          expect(Math.abs(f - y)).toBeLessThanOrEqual(Math.abs(f) * 2 ** -11);
      }),
    );
  });

  it("a coordinate costs 24 bytes on an ack and reads back within half precision", () => {
    const c = {
      vec: [0.00042, -0.0013, 0.0001, 0, 0.0021, -0.00007, 0.0005, 0.0009],
      error: 0.31,
      adjustment: -0.000012,
      height: 0.00001,
    };
    const payload = withCoordinate(digestHashPayload(0x1234_5678, 1), c);
    expect(payload.length).toBe(DIGEST_HASH_PAYLOAD_BYTES + 24);
    expect(coordinateSectionBytes(8)).toBe(24);
    expect(payload[DIGEST_HASH_PAYLOAD_BYTES]).toBe(HALF_COORDINATE_TAG);
    const back = payloadCoordinate(payload);
    const close = (a: number, b: number) => {
      expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(Math.abs(b) * 2 ** -11, 2 ** -25));
    };
    expect(back?.vec.length).toBe(8);
    for (const [i, x] of (back?.vec ?? []).entries()) close(x, c.vec[i]!);
    close(back?.error ?? Number.NaN, c.error);
    close(back?.adjustment ?? Number.NaN, c.adjustment);
    // The smallest height is subnormal in half precision: 0.6 % at worst.
    expect(Math.abs((back?.height ?? 0) - c.height)).toBeLessThan(c.height * 0.006);
  });

  it("the float32 section of older members is still read", () => {
    const c = {
      vec: [0.001, 0.002, 0, 0, 0, 0, 0, -0.001],
      error: 0.5,
      adjustment: 0,
      height: 0.00002,
    };
    const payload = new Uint8Array(
      DIGEST_HASH_PAYLOAD_BYTES + coordinateSectionBytes(8, COORDINATE_TAG),
    );
    payload.set(digestHashPayload(7));
    const view = new DataView(payload.buffer);
    payload[DIGEST_HASH_PAYLOAD_BYTES] = COORDINATE_TAG;
    payload[DIGEST_HASH_PAYLOAD_BYTES + 1] = 8;
    for (const [i, x] of [...c.vec, c.error, c.adjustment, c.height].entries()) {
      view.setFloat32(DIGEST_HASH_PAYLOAD_BYTES + 2 + 4 * i, x);
    }
    expect(payload[0]).toBe(DIGEST_HASH_TAG);
    expect(payloadCoordinate(payload)).toEqual({
      vec: c.vec.map(Math.fround),
      error: Math.fround(c.error),
      adjustment: Math.fround(c.adjustment),
      height: Math.fround(c.height),
    });
  });

  it("a truncated section or an unknown tag gives no coordinate", () => {
    const c = { vec: new Array(8).fill(0.001), error: 1, adjustment: 0, height: 0.00001 };
    const payload = withCoordinate(digestHashPayload(7), c);
    expect(payloadCoordinate(payload.subarray(0, payload.length - 1))).toBeUndefined();
    const unknown = payload.slice();
    unknown[DIGEST_HASH_PAYLOAD_BYTES] = 0x7f;
    expect(payloadCoordinate(unknown)).toBeUndefined();
  });
});
