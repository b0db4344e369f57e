/**
 * Same inputs and same seed give the same outputs: a whole simulated run, hashed.
 */

import { seededRng } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import { Swim, swimConfig } from "../src/index.js";
import { Harness, stringify } from "./harness.js";

function scenario(seed: number): Harness {
  const h = new Harness({ seed, config: swimConfig("lan"), gossip: true, log: true });
  // Lossy, jittery links: the network's randomness comes from the harness seed too.
  h.rules.push((_packet, delay, rng) => (rng.next() < 0.05 ? undefined : delay + rng.next() * 20));
  h.addMany(12);
  h.bootstrap();
  h.runFor(10_000);
  h.crash("n3");
  const n5 = h.node("n5");
  n5.swim.leave(h.now);
  h.flush(n5);
  h.runFor(5_000);
  const late = h.add({ name: "late" });
  late.swim.join(["mem://n0", "mem://n1"], h.now);
  h.flush(late);
  const n2 = h.node("n2");
  n2.swim.setMeta(new Uint8Array([1, 2]), h.now);
  h.flush(n2);
  h.runFor(40_000);
  return h;
}

describe("determinism", () => {
  it("the same seed reproduces a run exactly (every packet and event, hashed)", () => {
    const first = scenario(42);
    const second = scenario(42);
    expect(first.log.length).toBeGreaterThan(1000);
    expect(second.logHash()).toBe(first.logHash());
    expect(stringify(second.events)).toBe(stringify(first.events));
  });

  it("a different seed gives a different run", () => {
    expect(scenario(43).logHash()).not.toBe(scenario(42).logHash());
  });

  it("one instance fed the same inputs with the same seed produces identical outputs", () => {
    const outputs = (): string => {
      const swim = new Swim({
        config: swimConfig("lan"),
        self: { name: "me", addresses: ["mem://me"], meta: new Uint8Array(0), generation: 0 },
        rng: seededRng(7),
        now: 0,
      });
      swim.mergeRemote(
        Array.from({ length: 50 }, (_, i) => ({
          name: `m${i}`,
          incarnation: 0n,
          generation: 0,
          status: "alive" as const,
          addresses: [`mem://m${i}`],
          meta: new Uint8Array(0),
        })),
        0,
      );
      const log: unknown[] = [];
      for (let at = swim.nextWakeAt(); at < 60_000; at = swim.nextWakeAt()) {
        swim.tick(at);
        log.push(
          at,
          swim.drain(),
          swim.piggyback(500, () => 40, at),
        );
      }
      return stringify(log);
    };
    expect(outputs()).toBe(outputs());
  });
});
