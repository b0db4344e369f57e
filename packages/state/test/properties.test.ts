import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ClusterState,
  deltaSize,
  digestSize,
  type OwnerDelta,
  ownerDeltaSize,
} from "../src/index.js";
import { bytes, exchange, node, seeded, view } from "./helpers.js";

const OWNERS = ["o0", "o1", "o2"];
const GRACE = 60;

type Op =
  | { kind: "set"; owner: number; key: number; value: number }
  | { kind: "delete"; owner: number; key: number }
  | { kind: "burst"; owner: number; count: number; value: number }
  | { kind: "time"; advance: number }
  | { kind: "restart"; owner: number }
  | { kind: "capture"; owner: number; after: number; budget: number }
  | { kind: "reply"; owner: number; peerAt: number; peerGeneration: number; budget: number };

const owner = fc.integer({ min: 0, max: OWNERS.length - 1 });
const fraction = fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000);
const budget = fc.integer({ min: 30, max: 1500 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("set" as const),
      owner,
      key: fc.nat(5),
      value: fc.nat(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("delete" as const), owner, key: fc.nat(5) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("time" as const), advance: fc.nat(50) }) },
  {
    // Many keys at once: owners above 16 keys switch to their indexed storage.
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("burst" as const),
      owner,
      count: fc.integer({ min: 5, max: 24 }),
      value: fc.nat(3),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const), owner }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("capture" as const), owner, after: fraction, budget }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("reply" as const),
      owner,
      peerAt: fraction,
      peerGeneration: fc.integer({ min: -1, max: 0 }),
      budget,
    }),
  },
);

/** A delta captured from an owner, with the owner's state at that moment (for comparisons). */
interface Captured {
  readonly delta: OwnerDelta;
  /** Deltas captured at the same moment from the same owner share a moment number. */
  readonly moment: number;
}

/** Every write an owner made, per generation and version: what replicas may hold, nothing else. */
type History = Map<string, { key: string; value: string; tombstone: boolean }>;

/** Runs `ops` on the owners, collecting every delta they produce along the way. */
function runOwners(ops: readonly Op[]): {
  owners: ClusterState[];
  captured: Captured[];
  history: History;
  now: number;
} {
  let now = 0;
  const owners = OWNERS.map((name) => node(name, { tombstoneGraceMs: GRACE }));
  const history: History = new Map();
  const captured: Captured[] = [];
  let moment = 0;
  for (const o of ops) {
    moment += 1;
    switch (o.kind) {
      case "set": {
        const state = owners[o.owner]!;
        const change = state.set(`k${o.key}`, bytes(`v${o.value}`), now);
        if (change !== null) {
          history.set(`${state.self}/${state.generation}/${change.version}`, {
            key: `k${o.key}`,
            value: `v${o.value}`,
            tombstone: false,
          });
        }
        break;
      }
      case "delete": {
        const state = owners[o.owner]!;
        const change = state.delete(`k${o.key}`, now);
        if (change !== null) {
          history.set(`${state.self}/${state.generation}/${change.version}`, {
            key: `k${o.key}`,
            value: "",
            tombstone: true,
          });
        }
        break;
      }
      case "burst": {
        const state = owners[o.owner]!;
        for (let key = 0; key < o.count; key++) {
          const change = state.set(`k${key}`, bytes(`b${o.value}`), now);
          if (change !== null) {
            history.set(`${state.self}/${state.generation}/${change.version}`, {
              key: `k${key}`,
              value: `b${o.value}`,
              tombstone: false,
            });
          }
        }
        break;
      }
      case "time":
        now += o.advance;
        for (const state of owners) state.tick(now);
        break;
      case "restart": {
        const old = owners[o.owner]!;
        const fresh = new ClusterState({
          self: old.self,
          generation: old.generation + 1,
          rng: seeded(moment),
          tombstoneGraceMs: GRACE,
        });
        for (const change of fresh.restore(old.snapshot(), now)) {
          const value = new TextDecoder().decode(change.current!.value);
          history.set(`${fresh.self}/${fresh.generation}/${change.version}`, {
            key: change.key,
            value,
            tombstone: false,
          });
        }
        owners[o.owner] = fresh;
        break;
      }
      case "capture": {
        const state = owners[o.owner]!;
        const after = Math.floor(o.after * state.version);
        const full = state.localDelta(after, 1_000_000);
        const cut = state.localDelta(after, o.budget);
        if (cut !== null) {
          expect(ownerDeltaSize(cut)).toBeLessThanOrEqual(o.budget);
          // A cut delta is a prefix of the full one, and says exactly how far it goes.
          expect(full).not.toBeNull();
          expect(cut.reset).toBe(full!.reset);
          expect(cut.entries).toEqual(full!.entries.slice(0, cut.entries.length));
          const truncated = cut.entries.length < full!.entries.length;
          expect(cut.maxVersion).toBe(truncated ? cut.entries.at(-1)!.version : full!.maxVersion);
          captured.push({ delta: cut, moment });
        }
        if (full !== null) captured.push({ delta: full, moment });
        break;
      }
      case "reply": {
        const state = owners[o.owner]!;
        const digest = [
          {
            owner: state.self,
            generation: state.generation + o.peerGeneration,
            maxVersion: Math.floor(o.peerAt * state.version),
          },
        ];
        const deltas = state.deltaFor(digest, false, o.budget);
        expect(deltaSize(deltas)).toBeLessThanOrEqual(o.budget);
        for (const delta of deltas) captured.push({ delta, moment });
        break;
      }
    }
  }
  return { owners, captured, history, now };
}

/** Checks that everything `replica` holds was really written by its owner at that version. */
function expectOnlyRealWrites(replica: ClusterState, history: History): void {
  for (const info of replica.owners()) {
    if (info.owner === replica.self) continue;
    for (const entry of replica.entries(info.owner)) {
      const written = history.get(`${info.owner}/${info.generation}/${entry.version}`);
      expect(written).toEqual({
        key: entry.key,
        value: new TextDecoder().decode(entry.value),
        tombstone: false,
      });
    }
  }
}

/** Anti-entropy between `replica` and every owner until each is seen exactly as it is. */
function antiEntropy(replica: ClusterState, owners: readonly ClusterState[], now: number): void {
  for (const state of owners) {
    for (let round = 0; view(replica, state.self) !== view(state, state.self); round++) {
      if (round > 50) throw new Error(`${state.self} not reached: ${view(replica, state.self)}`);
      if (round % 2 === 0) exchange(replica, state, 600, now);
      else exchange(state, replica, 600, now);
    }
  }
}

/**
 * Whether `delta` applies to what `replica` holds and advances it: not a gap (it starts within
 * what is held, or from 0 for an owner not held or held at an older generation), not stale, not a
 * duplicate.
 */
function bringsNews(replica: ClusterState, delta: OwnerDelta): boolean {
  const held = replica.owner(delta.owner);
  if (held === undefined || delta.generation > held.generation) return delta.fromVersion === 0;
  return (
    delta.generation === held.generation &&
    delta.fromVersion <= held.maxVersion &&
    delta.maxVersion > held.maxVersion
  );
}

/**
 * `fc.assert` for properties with `fc.pre`, that also fails when the preconditions reject more
 * than a tenth of the generated cases: a property that skips most of its cases tests little.
 */
function assertWithEnoughCases<T extends unknown[]>(
  property: fc.IProperty<T>,
  params: fc.Parameters<T>,
): void {
  const details = fc.check(property, params);
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? "property failed");
  expect(details.numSkips).toBeLessThanOrEqual(details.numRuns / 10);
}

/** Index in `[0, length)` from a fraction in `[0, 1]`. */
function pickIndex(fraction: number, length: number): number {
  return Math.min(length - 1, Math.floor(fraction * length));
}

const delivery = fc.array(fc.record({ pick: fraction, time: fc.nat(30), tick: fc.boolean() }), {
  maxLength: 80,
  size: "max",
});

describe("properties of apply", () => {
  it("any order, duplicates and drops, then anti-entropy: every replica equals every owner", () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 5, maxLength: 60, size: "max" }),
        delivery,
        delivery,
        fc.array(budget, { maxLength: 6 }),
        (ops, first, second, between) => {
          const { owners, captured, history, now } = runOwners(ops);
          const replicas = [first, second].map((plan, i) => {
            const replica = node(`r${i}`, { tombstoneGraceMs: GRACE });
            let t = 0;
            for (const step of plan) {
              // Picks with replacement: deltas are duplicated, dropped and reordered at will.
              const c = captured[pickIndex(step.pick, captured.length)];
              if (c === undefined) break;
              t += step.time;
              const result = replica.apply([c.delta], t);
              // The only refusal a correct owner's deltas can earn: coming after a newer generation.
              expect(result.rejected.filter((r) => r.reason !== "stale-generation")).toEqual([]);
              if (step.tick) replica.tick(t);
              expectOnlyRealWrites(replica, history);
            }
            return replica;
          });
          const [r0, r1] = replicas as [ClusterState, ClusterState];
          // Some partial exchanges between the replicas (each may pass on what it got, resets too).
          let t = now;
          for (const b of between) {
            t += 20;
            exchange(r0, r1, b, t);
            r0.tick(t);
            r1.tick(t);
            expectOnlyRealWrites(r0, history);
            expectOnlyRealWrites(r1, history);
          }
          // r0 reconciles with every owner; r1 only with r0, and must still see every owner exactly.
          antiEntropy(r0, owners, t);
          for (const state of owners) expect(view(r0, state.self)).toBe(view(state, state.self));
          for (let round = 0; !OWNERS.every((o) => view(r1, o) === view(r0, o)); round++) {
            if (round > 200) throw new Error("replica-to-replica anti-entropy did not converge");
            exchange(round % 2 === 0 ? r0 : r1, round % 2 === 0 ? r1 : r0, 600, t);
          }
          for (const state of owners) expect(view(r1, state.self)).toBe(view(state, state.self));
        },
      ),
      { seed: 20240611, numRuns: 200 },
    );
  });

  it("is idempotent: applying a delta again changes nothing", () => {
    assertWithEnoughCases(
      fc.property(
        fc.array(op, { minLength: 5, maxLength: 40, size: "max" }),
        delivery,
        fraction,
        (ops, plan, pick) => {
          const { captured } = runOwners(ops);
          const once = node("r");
          const twice = node("r");
          for (const step of plan) {
            const c = captured[pickIndex(step.pick, captured.length)];
            if (c === undefined) break;
            once.apply([c.delta], 0);
            twice.apply([c.delta], 0);
          }
          const c = captured[pickIndex(pick, captured.length)];
          fc.pre(c !== undefined);
          once.apply([c.delta], 0);
          twice.apply([c.delta], 0);
          const again = twice.apply([c.delta], 0);
          expect(again.changes).toEqual([]);
          for (const name of OWNERS) expect(view(twice, name)).toBe(view(once, name));
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it("commutes: increments cut at one moment give the same state in either order", () => {
    assertWithEnoughCases(
      fc.property(
        fc.array(op, { minLength: 5, maxLength: 40, size: "max" }),
        owner,
        fc.array(fc.record({ pick: fraction }), { maxLength: 8 }),
        fraction,
        fraction,
        (ops, last, plan, pickA, pickB) => {
          // A last write and its delta from 0: there is always at least one increment to pick.
          const { captured } = runOwners([
            ...ops,
            { kind: "set", owner: last, key: 0, value: 9 },
            { kind: "capture", owner: last, after: 0, budget: 1500 },
          ]);
          const left = node("r");
          const right = node("r");
          // The replicas start from some of the earlier deltas: the last write is news to them.
          const earlier = captured.filter((c) => c.moment <= ops.length);
          for (const step of plan) {
            const c = earlier[pickIndex(step.pick, earlier.length)];
            if (c === undefined) break;
            for (const r of [left, right]) r.apply([c.delta], 0);
          }
          // Increments that bring the replicas news: a gap or a stale delta is set aside by
          // design (anti-entropy fills the gap later), whatever the order.
          const increments = captured.filter((c) => !c.delta.reset && bringsNews(left, c.delta));
          fc.pre(increments.length > 0);
          const a = increments[pickIndex(pickA, increments.length)]!;
          const together = increments.filter(
            (c) => c.moment === a.moment || c.delta.owner !== a.delta.owner,
          );
          const b = together[pickIndex(pickB, together.length)]!;
          const l1 = left.apply([a.delta], 0);
          const l2 = left.apply([b.delta], 0);
          const r1 = right.apply([b.delta], 0);
          const r2 = right.apply([a.delta], 0);
          const setAside = [l1, l2, r1, r2].some((r) => r.gaps.length > 0 || r.rejected.length > 0);
          fc.pre(!setAside);
          for (const name of OWNERS) expect(view(left, name)).toBe(view(right, name));
        },
      ),
      { seed: 99, numRuns: 300 },
    );
  });

  it("keeps every digest and answer within its budget", () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 5, maxLength: 40, size: "max" }),
        budget,
        budget,
        (ops, digestBudget, deltaBudget) => {
          const { owners, captured } = runOwners(ops);
          const replica = node("r");
          replica.apply(
            captured.map((c) => c.delta),
            0,
          );
          const digest = replica.digest(digestBudget);
          expect(digestSize(digest.entries)).toBeLessThanOrEqual(digestBudget);
          for (const state of owners) {
            const answer = state.deltaFor(digest.entries, digest.complete, deltaBudget);
            expect(deltaSize(answer)).toBeLessThanOrEqual(deltaBudget);
          }
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });
});
