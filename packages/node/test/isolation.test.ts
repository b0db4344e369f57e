import { suspicionTimeout, swimConfig } from "@grapevine/swim";
import { describe, expect, it } from "vitest";
import { CoreNet } from "./harness.js";

describe("isolation awareness", () => {
  const config = swimConfig("lan", {});
  const names = ["n0", "n1", "n2", "n3", "n4"];

  it("a node cut off alone reports isolated within 2 probe periods + the suspicion timeout, declares nobody dead, and recovers within a probe period of the first ack", () => {
    const net = new CoreNet(names, 21, config);
    for (const n of names.slice(1)) net.step(n, (now, c) => c.join(["mem://n0"], now));
    net.runUntil(() => names.every((n) => net.core(n).aliveCount() === 5), 10_000);
    net.runFair(5_000);
    const lone = net.core("n4");
    expect(lone.healthState()).toBe("healthy");

    net.cut.add("n4");
    const bound =
      2 * config.probeIntervalMs +
      suspicionTimeout(config.suspicionMult, 5, config.probeIntervalMs);
    const isolatedAfter = net.runUntil(() => lone.healthState() === "isolated", bound);
    expect(isolatedAfter).toBeLessThanOrEqual(bound);
    // Isolated for 60 s: its peers show as suspect in its own view, none is declared dead by it.
    net.runFair(60_000 - isolatedAfter);
    expect(lone.healthState()).toBe("isolated");
    for (const m of lone.members().filter((m) => !m.local)) expect(m.status).toBe("suspect");
    expect(lone.detector.members().every((m) => m.status === "alive")).toBe(true);
    const loneEvents = net.observed.get("n4")!.events;
    expect(loneEvents.some((e) => e.type === "member-dead")).toBe(false);
    expect(loneEvents.some((e) => e.type === "health-changed" && e.state === "isolated")).toBe(
      true,
    );

    net.cut.delete("n4");
    const acks = lone.detector.counters.acksReceived;
    net.runUntil(() => lone.detector.counters.acksReceived > acks, 10_000);
    const clearedAfter = net.runUntil(
      () => lone.healthState() !== "isolated",
      config.probeIntervalMs,
    );
    expect(clearedAfter).toBeLessThanOrEqual(config.probeIntervalMs);
    net.runUntil(() => names.every((n) => net.core(n).aliveCount() === 5), 30_000);
    // Nothing the isolated node did made a healthy peer dead anywhere.
    for (const observer of names) {
      const dead = net.observed
        .get(observer)!
        .events.filter((e) => e.type === "member-dead" && e.member.name !== "n4");
      expect(dead, observer).toEqual([]);
    }
  });

  it("a node alone that never joined is not isolated", () => {
    const net = new CoreNet(["solo"], 3, config);
    net.runFair(120_000, 100);
    expect(net.core("solo").healthState()).toBe("healthy");
  });
});
