/**
 * Skipping the wake-ups of idle gossip rounds (`skipIdleRounds`) changes nothing for a runtime
 * that wakes the core exactly at `nextWakeAt`: the same inputs at the same times give the same
 * outputs at the same times, with or without the skipped wake-ups.
 */
import { seededRng, swimConfig } from "@grapevine/swim";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NodeCore } from "../src/node-core.js";
import { memCoreOptions } from "./harness.js";

type Action =
  | { readonly kind: "set"; readonly at: number; readonly node: number; readonly key: string }
  | { readonly kind: "meta" | "broadcast" | "leave"; readonly at: number; readonly node: number }
  | { readonly kind: "cut"; readonly at: number; readonly node: number }
  | { readonly kind: "heal"; readonly at: number; readonly node: number };

interface Pending {
  readonly at: number;
  /** Ties at one instant are ordered by this key, the same in both runs. */
  readonly key: string;
  readonly run: () => void;
}

/**
 * Runs `actions` on `n` cores for `durationMs`, waking each core at its `nextWakeAt`, delivering
 * datagrams and stream exchanges after seeded latencies; returns everything the cores produced,
 * stamped with the time.
 */
function simulate(
  n: number,
  seed: number,
  actions: readonly Action[],
  durationMs: number,
  skipIdleRounds: boolean,
): string[] {
  const log: string[] = [];
  const latency = seededRng(seed);
  const names = Array.from({ length: n }, (_, i) => `n${i}`);
  const cut = new Set<string>();
  const cores = names.map(
    (name, i) =>
      new NodeCore({
        name,
        addresses: [`mem://${name}`],
        links: [{ schemes: ["mem"], mtu: 1400, maxFrameBytes: 1 << 20 }],
        config: swimConfig("local", {}),
        rng: seededRng(seed * 7919 + i),
        now: 0,
        generation: 1,
        meta: new Uint8Array(0),
        isolationWindowMs: 2_500,
        skipIdleRounds,
      }),
  );
  const queue: Pending[] = [];
  // Ties are ordered by a key that does not depend on when the event was set (the sort is
  // stable, so equal keys keep the order in which the same inputs set them).
  const at = (time: number, key: string, run: () => void): void => {
    queue.push({ at: time, key, run });
  };
  const wakeAt = new Map<number, number>();
  const step = (i: number, now: number, fn: (core: NodeCore) => void): void => {
    const core = cores[i]!;
    try {
      fn(core);
    } catch (e) {
      // Refused (metadata after a leave): logged, so both runs must refuse it alike.
      log.push(`${now} ${i} refused ${String(e)}`);
    }
    for (const out of core.drain()) {
      if (out.kind === "datagram") {
        log.push(`${now} ${i} datagram ${out.to} ${hex(out.bytes)}`);
        const to = names.indexOf(out.to.slice("mem://".length));
        if (to < 0 || cut.has(names[i]!) || cut.has(names[to]!)) continue;
        at(now + 1 + latency.next() * 5, `d${to}`, () =>
          step(to, queueTime, (c) => c.handleDatagram(`mem://${names[i]}`, out.bytes, queueTime)),
        );
      } else if (out.kind === "stream") {
        log.push(`${now} ${i} stream ${out.to} ${out.id}`);
        const to = names.indexOf(out.to.slice("mem://".length));
        at(now + 2 + latency.next() * 5, `s${i}`, () => {
          let reply: Uint8Array | undefined;
          if (to >= 0 && !cut.has(names[i]!) && !cut.has(names[to]!)) {
            step(to, queueTime, (c) => {
              reply = c.handleStreamFrame(`mem://${names[i]}`, out.bytes, queueTime);
            });
          }
          step(i, queueTime, (c) => c.handleStreamReply(out.id, reply, queueTime));
        });
      } else {
        log.push(
          `${now} ${i} ${JSON.stringify(out, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`,
        );
      }
    }
    const next = core.nextWakeAt();
    // One wake-up per core, at its next wake time: overtaken ones are stale.
    if (next !== wakeAt.get(i) && Number.isFinite(next)) {
      wakeAt.set(i, next);
      at(next, `w${i}`, () => {
        if (wakeAt.get(i) !== next) return;
        wakeAt.delete(i);
        step(i, queueTime, (c) => c.tick(queueTime));
      });
    }
  };
  let queueTime = 0;
  for (let i = 0; i < n; i++) step(i, 0, (c) => c.start(0));
  for (let i = 0; i < n; i++) {
    const seeds = names.filter((_, j) => j !== i).map((m) => `mem://${m}`);
    step(i, 0, (c) => c.join(seeds, 0));
  }
  for (const a of actions) {
    at(a.at, `a${a.node}`, () => {
      const name = names[a.node]!;
      const bytes = new Uint8Array([a.at & 255]);
      if (a.kind === "cut") cut.add(name);
      else if (a.kind === "heal") cut.delete(name);
      else if (a.kind === "set") step(a.node, queueTime, (c) => c.set(a.key, bytes, queueTime));
      else if (a.kind === "meta") step(a.node, queueTime, (c) => c.setMeta(bytes, queueTime));
      else if (a.kind === "broadcast") {
        step(a.node, queueTime, (c) => c.broadcast("hello", bytes, queueTime));
      } else step(a.node, queueTime, (c) => c.leave(queueTime));
    });
  }
  while (queue.length > 0) {
    queue.sort((x, y) => x.at - y.at || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const next = queue.shift()!;
    if (next.at > durationMs) break;
    queueTime = next.at;
    next.run();
  }
  return log;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("skipping idle gossip rounds", () => {
  it("changes nothing a core does for a runtime that wakes it exactly when it asks", () => {
    const action = fc.oneof(
      fc.record({
        kind: fc.constant("set" as const),
        at: fc.integer({ min: 100, max: 14_000 }),
        node: fc.nat(3),
        key: fc.constantFrom("a", "b"),
      }),
      fc.record({
        kind: fc.constantFrom(
          "cut" as const,
          "heal" as const,
          "meta" as const,
          "broadcast" as const,
        ),
        at: fc.integer({ min: 100, max: 14_000 }),
        node: fc.nat(3),
      }),
      fc.record({
        kind: fc.constant("leave" as const),
        at: fc.integer({ min: 5_000, max: 14_000 }),
        node: fc.nat(3),
      }),
    );
    fc.assert(
      fc.property(fc.nat(1000), fc.array(action, { maxLength: 8 }), (seed, actions) => {
        const woken = simulate(4, seed, actions, 15_000, false);
        const skipped = simulate(4, seed, actions, 15_000, true);
        expect(skipped).toEqual(woken);
      }),
      { numRuns: 40 },
    );
  });

  it("judges isolation at the same moments either way (a node cut off, healed, cut off)", () => {
    // Isolation turns on time alone between two steps: the round at which it turns must be woken
    // for, and the rounds before it replayed.
    const actions: Action[] = [
      { kind: "cut", at: 1_000, node: 0 },
      { kind: "heal", at: 20_000, node: 0 },
      { kind: "cut", at: 23_000, node: 0 },
    ];
    for (const seed of [1, 2, 3]) {
      const woken = simulate(4, seed, actions, 40_000, false);
      expect(woken.some((line) => line.includes('"isolated"'))).toBe(true);
      expect(simulate(4, seed, actions, 40_000, true)).toEqual(woken);
    }
  });

  it("asks to be woken less often in a quiet cluster", () => {
    const count = (skip: boolean): number => {
      const core = new NodeCore({
        ...memCoreOptions("a", swimConfig("lan", {}), seededRng(1)),
        skipIdleRounds: skip,
      });
      core.start(0);
      let wakes = 0;
      for (let now = core.nextWakeAt(); now < 10_000; now = core.nextWakeAt()) {
        core.tick(now);
        core.drain();
        wakes += 1;
      }
      return wakes;
    };
    expect(count(true)).toBeLessThan(count(false) / 3);
  });
});
