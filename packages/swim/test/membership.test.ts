/**
 * Membership over a simulated cluster: refutation, leave versus crash, restarts, joins.
 */
import { describe, expect, it } from "vitest";
import { swimConfig } from "../src/index.js";
import { Harness, type NodeSpec, type SimNode } from "./harness.js";

const lan = swimConfig("lan");

/** A LAN cluster of `size` members (n0, n1, …), bootstrapped and run for 5 s. */
function settled(seed: number, size: number, gossip = false): Harness {
  const h = new Harness({ seed, config: lan, gossip });
  h.addMany(size);
  h.bootstrap();
  h.runFor(5000);
  return h;
}

/** Restarts `spec.name` as a new process that joins through n0. */
function rejoin(h: Harness, spec: NodeSpec): SimNode {
  const fresh = h.restart(spec);
  fresh.swim.join(["mem://n0"], h.now);
  h.flush(fresh);
  return fresh;
}

function statusesOf(h: Harness, name: string): string[] {
  return [...h.nodes.values()]
    .filter((n) => n.up && n.name !== name)
    .map((n) => n.swim.member(name)?.status ?? "unknown");
}

describe("refutation (SWIM §4.2)", () => {
  it("a live member that is suspected refutes and stays alive everywhere", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const h = settled(seed, 10);
      // n1 wrongly suspects n2 (as after a lost ack).
      const n1 = h.node("n1");
      n1.swim.handle(
        "mem://n1",
        { type: "suspect", name: "n2", incarnation: 0n, from: "n1" },
        h.now,
      );
      h.flush(n1);
      h.runFor(60_000);
      expect(h.eventsOf({ type: "suspect", about: "n2" }).length).toBeGreaterThan(0);
      expect(h.eventsOf({ type: "dead", about: "n2" })).toEqual([]);
      expect(statusesOf(h, "n2")).toEqual(Array(9).fill("alive"));
      expect(h.node("n2").swim.incarnation()).toBe(1n);
      expect(h.node("n2").swim.counters.refutations).toBe(1);
      for (const node of h.nodes.values()) {
        if (node.name !== "n2") expect(node.swim.member("n2")?.incarnation).toBe(1n);
      }
    }
  });

  it("a member cut off for a few periods is suspected, refutes when it comes back, is never declared dead", () => {
    const h = settled(3, 10);
    let cutOff = true;
    h.rules.push((p, delay) =>
      cutOff && (p.from === "n4" || p.toNode === "n4") ? undefined : delay,
    );
    h.runFor(4000);
    cutOff = false;
    h.runFor(60_000);
    expect(h.eventsOf({ type: "suspect", about: "n4" }).length).toBeGreaterThan(0);
    expect(h.eventsOf({ type: "dead", about: "n4" })).toEqual([]);
    expect(statusesOf(h, "n4")).toEqual(Array(9).fill("alive"));
    expect(h.node("n4").swim.incarnation()).toBeGreaterThan(0n);
  });
});

describe("leave versus crash", () => {
  it("peers report a graceful leave as `left` and a crash as `dead`", () => {
    for (let seed = 1; seed <= 3; seed++) {
      const h = settled(seed, 8, true);
      const leaver = h.node("n3");
      leaver.swim.leave(h.now);
      h.flush(leaver);
      h.crash("n5");
      h.runFor(2000); // the leaver keeps gossiping for a moment, then stops
      h.crash("n3");
      h.runFor(60_000);
      for (const node of h.nodes.values()) {
        if (!node.up) continue;
        expect(h.eventsOf({ node: node.name, type: "left", about: "n3" })).toHaveLength(1);
        expect(h.eventsOf({ node: node.name, type: "dead", about: "n3" })).toEqual([]);
        expect(h.eventsOf({ node: node.name, type: "dead", about: "n5" })).toHaveLength(1);
        expect(h.eventsOf({ node: node.name, type: "left", about: "n5" })).toEqual([]);
      }
      expect(h.eventsOf({ node: "n3", type: "left", about: "n3" })).toHaveLength(1);
    }
  });
});

describe("restart under the same name", () => {
  it("a new generation is accepted promptly once the old process is dead", () => {
    const h = settled(11, 6);
    h.crash("n2");
    h.runFor(20_000);
    expect(statusesOf(h, "n2")).toEqual(Array(5).fill("dead"));
    const restartedAt = h.now;
    rejoin(h, { name: "n2", generation: 1, addresses: ["mem://n2-new"] });
    h.runFor(3000);
    for (const node of h.nodes.values()) {
      if (node.name === "n2") continue;
      expect(node.swim.member("n2")).toMatchObject({
        status: "alive",
        generation: 1,
        addresses: ["mem://n2-new"],
      });
      const [join] = h
        .eventsOf({ node: node.name, type: "join", about: "n2" })
        .filter((e) => e.event.at >= restartedAt);
      expect(join!.event.at - restartedAt).toBeLessThanOrEqual(3000);
    }
    // The old life is never resurrected, and the new one stays alive.
    h.runFor(30_000);
    expect(statusesOf(h, "n2")).toEqual(Array(5).fill("alive"));
  });

  it("a quick restart with a new generation replaces the old one before it is even suspected", () => {
    const h = settled(12, 6);
    rejoin(h, { name: "n2", generation: 1 });
    h.runFor(30_000);
    expect(statusesOf(h, "n2")).toEqual(Array(5).fill("alive"));
    expect(h.eventsOf({ type: "dead", about: "n2" })).toEqual([]);
    for (const node of h.nodes.values()) expect(node.swim.member("n2")?.generation).toBe(1);
  });

  it("a restart that keeps its generation but not its address reclaims the dead name at once", () => {
    const h = settled(13, 6);
    h.crash("n2");
    h.runFor(20_000);
    expect(statusesOf(h, "n2")).toEqual(Array(5).fill("dead"));
    rejoin(h, { name: "n2", addresses: ["mem://n2-moved"] });
    h.runFor(5000);
    expect(statusesOf(h, "n2")).toEqual(Array(5).fill("alive"));
    for (const node of h.nodes.values()) {
      expect(node.swim.member("n2")?.addresses).toEqual(["mem://n2-moved"]);
    }
  });

  it("a restart with the same generation and address refutes its old death via push-pull", () => {
    const h = settled(14, 6);
    h.crash("n2");
    h.runFor(20_000);
    expect(statusesOf(h, "n2")).toEqual(Array(5).fill("dead"));
    const fresh = rejoin(h, { name: "n2" });
    h.runFor(5000);
    expect(statusesOf(h, "n2")).toEqual(Array(5).fill("alive"));
    expect(fresh.swim.incarnation()).toBeGreaterThan(0n);
  });
});

describe("join", () => {
  it("joins through the seeds that are up; the others are reported as failed", () => {
    const h = new Harness({ seed: 21, config: lan });
    h.addMany(6);
    h.bootstrap();
    h.runFor(3000);
    const newcomer = h.add({ name: "late" });
    newcomer.swim.join(["mem://gone-1", "mem://n3", "mem://gone-2"], h.now);
    h.flush(newcomer);
    h.runFor(10_000);
    expect(newcomer.swim.joined()).toBe(true);
    expect(newcomer.swim.counters.pushPullFailures).toBe(2);
    expect(newcomer.swim.aliveCount()).toBe(7);
    for (const node of h.nodes.values()) expect(node.swim.member("late")?.status).toBe("alive");
  });

  it("nodes joining one another one by one converge to one cluster", () => {
    const h = new Harness({ seed: 22, config: lan });
    for (let i = 0; i < 12; i++) {
      const node = h.add({ name: `n${i}` });
      if (i > 0) node.swim.join([`mem://n${(i * 7) % i}`], h.now);
      h.flush(node);
      h.runFor(500);
    }
    h.runFor(30_000);
    for (const node of h.nodes.values()) expect(node.swim.aliveCount()).toBe(12);
    expect(h.eventsOf({ type: "suspect" })).toEqual([]);
  });
});
