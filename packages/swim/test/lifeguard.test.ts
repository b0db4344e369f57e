/**
 * Lifeguard (Dadgar, Phillips, Currey 2018) against a slow member: one node whose messages are,
 * half the time, delayed past the probe timeout. Everyone is alive, so every suspicion is false.
 * Datagrams only, as in the paper: the stream fallback probe, which waits up to
 * `streamProbeTimeoutMs` (1.5 s), would answer most of these late probes itself and hide what the
 * refinements do.
 */
import { describe, expect, it } from "vitest";
import { type SwimConfig, swimConfig } from "../src/index.js";
import { Harness } from "./harness.js";

const SLOW = "n0";

interface Outcome {
  /** Suspicions the slow member raised about healthy members (its failed probes). */
  readonly raisedBySlow: number;
  /** Suspicions raised by anyone. */
  readonly raised: number;
  /** `suspect` events about healthy members, across all nodes. */
  readonly suspectEventsAboutHealthy: number;
  /** Members declared dead (all are alive). */
  readonly deaths: number;
}

function run(seed: number, config: SwimConfig): Outcome {
  const h = new Harness({ seed, config, gossip: true });
  h.addMany(16);
  h.bootstrap();
  // The slow member handles and answers messages late: half of everything it sends or receives
  // waits 600–1600 ms, past the 500 ms probe timeout.
  h.rules.push((packet, delay, rng) => {
    const involved = packet.from === SLOW || packet.toNode === SLOW;
    return involved && rng.next() < 0.5 ? delay + 600 + rng.next() * 1000 : delay;
  });
  h.runFor(120_000);
  let raised = 0;
  for (const node of h.nodes.values()) raised += node.swim.counters.suspicionsRaised;
  return {
    raisedBySlow: h.node(SLOW).swim.counters.suspicionsRaised,
    raised,
    suspectEventsAboutHealthy: h.events.filter(
      (e) => e.event.type === "suspect" && e.event.member.name !== SLOW,
    ).length,
    deaths: h.eventsOf({ type: "dead" }).length,
  };
}

function total(outcomes: Outcome[], key: keyof Outcome): number {
  return outcomes.reduce((n, o) => n + o[key], 0);
}

describe("Lifeguard against a slow member", () => {
  it("yields far fewer false suspicions of healthy members than plain SWIM", () => {
    const seeds = [1, 2, 3, 4, 5];
    const on = seeds.map((s) => run(s, swimConfig("lan", { streamProbe: false })));
    const off = seeds.map((s) =>
      run(
        s,
        swimConfig("lan", {
          streamProbe: false,
          lifeguard: { awareness: false, dynamicSuspicion: false, buddy: false },
        }),
      ),
    );
    const ratio = total(off, "raisedBySlow") / Math.max(1, total(on, "raisedBySlow"));
    console.info(
      `Lifeguard on/off over ${seeds.length} seeds × 120 s, N=16: ` +
        `false suspicions of healthy members raised ${total(on, "raisedBySlow")} vs ${total(off, "raisedBySlow")} ` +
        `(off/on ${ratio.toFixed(1)}×); suspect events about healthy members ` +
        `${total(on, "suspectEventsAboutHealthy")} vs ${total(off, "suspectEventsAboutHealthy")}; ` +
        `all suspicions raised ${total(on, "raised")} vs ${total(off, "raised")}; ` +
        `false deaths ${total(on, "deaths")} vs ${total(off, "deaths")}`,
    );
    expect(ratio).toBeGreaterThanOrEqual(3);
    expect(total(on, "suspectEventsAboutHealthy")).toBeLessThan(
      total(off, "suspectEventsAboutHealthy") / 2,
    );
    expect(total(on, "deaths")).toBe(0);
  });

  it("the slow member's own health score rises; healthy members stay at 0", () => {
    const config = swimConfig("lan", { streamProbe: false });
    const h = new Harness({ seed: 9, config, gossip: true });
    h.addMany(16);
    h.bootstrap();
    h.rules.push((packet, delay, rng) => {
      const involved = packet.from === SLOW || packet.toNode === SLOW;
      return involved && rng.next() < 0.5 ? delay + 600 + rng.next() * 1000 : delay;
    });
    let slowMax = 0;
    let healthyMax = 0;
    for (let t = 0; t < 60; t++) {
      h.runFor(1000);
      for (const node of h.nodes.values()) {
        if (node.name === SLOW) slowMax = Math.max(slowMax, node.swim.health());
        else healthyMax = Math.max(healthyMax, node.swim.health());
      }
    }
    expect(slowMax).toBeGreaterThanOrEqual(3);
    expect(healthyMax).toBeLessThanOrEqual(1);
  });
});
