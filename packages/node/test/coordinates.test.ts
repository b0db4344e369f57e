/**
 * Network coordinates in the node core: RTT measured from our pings to their acks, the probed
 * member's coordinate on the ack, and members without coordinates (older ones) in the same cluster.
 */
import { decode } from "@grapevine/codec";
import { describe, expect, it } from "vitest";
import { DIGEST_HASH_PAYLOAD_BYTES } from "../src/anti-entropy.js";
import { coordinateSectionBytes, payloadCoordinate } from "../src/coordinates.js";
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
