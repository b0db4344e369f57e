/**
 * Scale: one instance knowing 10,000 members. Work per protocol period must not grow with N
 * (timers and the walk, no scans), and reaping and suspicion expiry are timer-driven.
 */
import type { PushPullMember } from "@grapevine/codec";
import { seededRng } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import { Swim, swimConfig } from "../src/index.js";

const EMPTY = new Uint8Array(0);
const N = 10_000;

function big(): Swim {
  const swim = new Swim({
    config: swimConfig("lan", { pushPullIntervalMs: 0 }),
    self: { name: "me", addresses: ["mem://me"], meta: EMPTY, generation: 0 },
    rng: seededRng(3),
    now: 0,
  });
  const members: PushPullMember[] = [];
  for (let i = 0; i < N; i++) {
    members.push({
      name: `m${i}`,
      incarnation: 0n,
      generation: 0,
      status: "alive",
      addresses: [`mem://m${i}`],
      meta: EMPTY,
    });
  }
  swim.mergeRemote(members, 0);
  swim.drain();
  return swim;
}

/** Tick through `periods` protocol periods, acking every ping at once. */
function runAcking(swim: Swim, until: number): number {
  let probes = 0;
  for (let at = swim.nextWakeAt(); at <= until; at = swim.nextWakeAt()) {
    swim.tick(at);
    for (const out of swim.drain()) {
      if (out.kind !== "send") continue;
      for (const m of out.messages) {
        if (m.type !== "ping") continue;
        probes += 1;
        swim.handle(out.to, { type: "ack", seq: m.seq, source: m.target, payload: EMPTY }, at);
      }
    }
  }
  return probes;
}

describe("10,000 members in one instance", () => {
  it("probes one member per period, each once per round, without suspecting anyone", () => {
    const swim = big();
    expect(swim.aliveCount()).toBe(N + 1);
    const seen = new Set<string>();
    for (let at = swim.nextWakeAt(); at <= N * 1000; at = swim.nextWakeAt()) {
      swim.tick(at);
      for (const out of swim.drain()) {
        if (out.kind !== "send") continue;
        const ping = out.messages.find((m) => m.type === "ping");
        if (ping?.type !== "ping") continue;
        expect(seen.has(ping.target)).toBe(false);
        seen.add(ping.target);
        swim.handle(
          out.to,
          { type: "ack", seq: ping.seq, source: ping.target, payload: EMPTY },
          at,
        );
      }
    }
    expect(seen.size).toBe(N);
    expect(swim.counters.probesFailed).toBe(0);
  });

  it("forgets thousands of dead members by timer, not by scanning", () => {
    const swim = big();
    for (let i = 0; i < N; i += 2) {
      swim.handle("mem://x", { type: "dead", name: `m${i}`, incarnation: 0n, from: "x" }, 1000);
    }
    expect(swim.aliveCount()).toBe(N / 2 + 1);
    expect(swim.members()).toHaveLength(N + 1);
    // Reaping happens at 1000 + gossipToTheDeadMs, in one wake-up.
    runAcking(swim, 30_999);
    expect(swim.members()).toHaveLength(N + 1);
    runAcking(swim, 31_000);
    expect(swim.members()).toHaveLength(N / 2 + 1);
    expect(swim.counters.membersReaped).toBe(N / 2);
    // The walk drops them at its next round; probing carries on over the live half only.
    const probes = runAcking(swim, 31_000 + 100_000);
    expect(probes).toBe(100);
    expect(swim.counters.probesFailed).toBe(0);
  });

  it("expires thousands of suspicions by timer", () => {
    const swim = big();
    for (let i = 0; i < 1000; i++) {
      swim.handle("mem://x", { type: "suspect", name: `m${i}`, incarnation: 0n, from: "x" }, 500);
    }
    swim.drain();
    // N ≈ 10,001: min = 4·4·1 s = 16 s, max = 96 s; unconfirmed suspicions end at max.
    runAcking(swim, 500 + 96_000 - 1);
    expect(swim.members().filter((m) => m.status === "dead")).toHaveLength(0);
    runAcking(swim, 500 + 96_000);
    expect(swim.members().filter((m) => m.status === "dead")).toHaveLength(1000);
  });
});

describe("slot reuse", () => {
  it("a forgotten member's slot is reused only after the walk lets go: one probe per member per round", () => {
    const swim = new Swim({
      config: swimConfig("lan", { pushPullIntervalMs: 0 }),
      self: { name: "me", addresses: ["mem://me"], meta: EMPTY, generation: 0 },
      rng: seededRng(5),
      now: 0,
    });
    const alive = (name: string, at: number) =>
      swim.handle(
        "mem://x",
        {
          type: "alive",
          name,
          incarnation: 0n,
          generation: 1,
          addresses: [`mem://${name}`],
          meta: EMPTY,
        },
        at,
      );
    for (let i = 0; i < 40; i++) alive(`m${i}`, 0);
    // m0..m2 die and are forgotten 30 s later, before the walk's round of 40 members ends.
    for (let i = 0; i < 3; i++) {
      swim.handle("mem://x", { type: "dead", name: `m${i}`, incarnation: 0n, from: "x" }, 500);
    }
    runAcking(swim, 31_000);
    expect(swim.counters.membersReaped).toBe(3);
    // New members and a returning one arrive while the forgotten slots may still be in the walk.
    for (const name of ["m0", "x1", "x2", "x3"]) alive(name, 31_000);
    swim.drain();
    const counts = new Map<string, number>();
    for (let at = swim.nextWakeAt(); at <= 31_000 + 41 * 20_000; at = swim.nextWakeAt()) {
      swim.tick(at);
      for (const out of swim.drain()) {
        if (out.kind !== "send") continue;
        for (const m of out.messages) {
          if (m.type !== "ping") continue;
          counts.set(m.target, (counts.get(m.target) ?? 0) + 1);
          swim.handle(out.to, { type: "ack", seq: m.seq, source: m.target, payload: EMPTY }, at);
        }
      }
    }
    // 41 live members, 820 periods: 20 rounds, each member probed once a round (±1 at the edges);
    // a slot reused while the walk still held it would be probed twice a round.
    expect(counts.size).toBe(41);
    expect(counts.has("m1")).toBe(false);
    for (const n of counts.values()) expect(Math.abs(n - 20)).toBeLessThanOrEqual(2);
    expect(swim.members()).toHaveLength(42);
  });
});
