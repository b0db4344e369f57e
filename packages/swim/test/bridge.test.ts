/**
 * Members on disjoint transports: a node pings directly only members it shares a scheme with;
 * others are probed through bridges (members that share a scheme with both) by ping-req; with no
 * bridge they are not probed at all, and never suspected for lack of a path.
 */
import type { PingReq } from "@grapevine/codec";
import { describe, expect, it } from "vitest";
import { swimConfig } from "../src/index.js";
import { Harness, type Packet } from "./harness.js";

const config = swimConfig("lan", { pushPullIntervalMs: 0 });

function pingReqsFor(packets: Packet[], from: string, target: string): Packet[] {
  return packets.filter(
    (p) =>
      p.from === from &&
      p.messages.some((m) => m.type === "ping-req" && (m as PingReq).target === target),
  );
}

describe("probing across disjoint transports", () => {
  function cluster(seed: number, withBridges: boolean): { h: Harness; packets: Packet[] } {
    const h = new Harness({ seed, config });
    const packets: Packet[] = [];
    h.onPacket = (p) => packets.push(p);
    h.add({ name: "udp-only", addresses: ["udp://a"] });
    h.add({ name: "ws-only", addresses: ["ws://c"] });
    h.add({ name: "udp-2", addresses: ["udp://e"] });
    if (withBridges) {
      h.add({ name: "bridge-1", addresses: ["udp://b", "ws://b"] });
      h.add({ name: "bridge-2", addresses: ["ws://d", "udp://d"] });
    }
    h.bootstrap();
    return { h, packets };
  }

  it("probes a member it shares no scheme with through bridges, by ping-req", () => {
    const { h, packets } = cluster(1, true);
    h.runFor(60_000);
    expect(h.schemeViolations).toBe(0);
    // udp-only never sends to a ws:// address, yet probes ws-only through the bridges.
    expect(packets.filter((p) => p.from === "udp-only" && p.to.startsWith("ws://"))).toEqual([]);
    const requests = pingReqsFor(packets, "udp-only", "ws-only");
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(["bridge-1", "bridge-2"]).toContain(r.toNode);
    expect(h.node("udp-only").swim.counters.bridgedProbes).toBeGreaterThan(0);
    // And the other way round.
    expect(pingReqsFor(packets, "ws-only", "udp-only").length).toBeGreaterThan(0);
    // All of it works: nobody is ever suspected.
    expect(h.eventsOf({ type: "suspect" })).toEqual([]);
    for (const node of h.nodes.values()) expect(node.swim.aliveCount()).toBe(5);
  });

  it("detects the failure of a member reachable only through bridges", () => {
    const { h } = cluster(2, true);
    h.runFor(10_000);
    h.crash("ws-only");
    h.runFor(60_000);
    expect(h.eventsOf({ node: "udp-only", type: "dead", about: "ws-only" })).toHaveLength(1);
    expect(h.eventsOf({ type: "dead", about: "udp-only" })).toEqual([]);
  });

  it("without a bridge, skips the member: no probe, no suspicion", () => {
    const { h, packets } = cluster(3, false);
    h.runFor(60_000);
    expect(h.schemeViolations).toBe(0);
    expect(pingReqsFor(packets, "udp-only", "ws-only")).toEqual([]);
    expect(h.node("udp-only").swim.counters.bridgedProbes).toBe(0);
    expect(h.eventsOf({ type: "suspect" })).toEqual([]);
    expect(h.node("udp-only").swim.member("ws-only")?.status).toBe("alive");
    expect(h.node("ws-only").swim.counters.probesSent).toBe(0);
  });

  it("picks the first advertised address whose scheme it has", () => {
    const h = new Harness({ seed: 4, config });
    const packets: Packet[] = [];
    h.onPacket = (p) => packets.push(p);
    h.add({ name: "x", addresses: ["ws://x", "udp://x"] });
    h.add({ name: "y", addresses: ["mem://y", "udp://y", "ws://y"] });
    h.bootstrap();
    h.runFor(5000);
    const fromX = packets.filter(
      (p) => p.from === "x" && p.toNode === "y" && p.messages.some((m) => m.type === "ping"),
    );
    expect(fromX.length).toBeGreaterThan(0);
    for (const p of fromX) expect(p.to).toBe("udp://y");
  });
});
