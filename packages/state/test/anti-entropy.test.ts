import { describe, expect, it } from "vitest";
import { coveredRange } from "../src/digest.js";
import { type ClusterState, deltaSize, digestSize } from "../src/index.js";
import {
  ENTRY_BUDGET,
  exchange,
  node,
  ownerName,
  reconcile,
  sameViews,
  seeded,
  syntheticDelta,
  view,
} from "./helpers.js";

function holding(self: string, owners: number, keys: number, bump = 0): ClusterState {
  const state = node(self);
  const deltas = [];
  for (let i = 0; i < owners; i++) deltas.push(syntheticDelta(ownerName(i), keys, 1, bump));
  const result = state.apply(deltas, 0);
  expect(result.rejected).toEqual([]);
  return state;
}

describe("digest", () => {
  it("is complete when every owner fits", () => {
    const a = holding("a", 10, 1);
    const digest = a.digest(ENTRY_BUDGET);
    expect(digest.complete).toBe(true);
    expect(digest.entries.map((e) => e.owner)).toEqual(a.owners().map((o) => o.owner));
    expect(digest.entries.find((e) => e.owner === ownerName(3))).toEqual({
      owner: ownerName(3),
      generation: 1,
      maxVersion: 1,
    });
  });

  it("rotates through 10,000 owners in slices within the budget, reaching every owner", () => {
    const a = holding("a", 10_000, 1);
    const seen = new Set<string>();
    let digests = 0;
    let smallest = Number.POSITIVE_INFINITY;
    while (seen.size < 10_000) {
      const digest = a.digest(ENTRY_BUDGET);
      digests += 1;
      expect(digest.complete).toBe(false);
      expect(digestSize(digest.entries)).toBeLessThanOrEqual(ENTRY_BUDGET);
      expect(coveredRange(digest.entries)).not.toBeNull();
      smallest = Math.min(smallest, digest.entries.length);
      for (const e of digest.entries) seen.add(e.owner);
      expect(digests).toBeLessThan(1000);
    }
    // Contiguous slices: the whole ring is covered in ceil(owners / slice) digests.
    expect(digests).toBeLessThanOrEqual(Math.ceil(10_000 / smallest));
  });

  it("tells which owners an incomplete slice covers, wrap-around included", () => {
    const d = (...owners: string[]) =>
      owners.map((owner) => ({ owner, generation: 1, maxVersion: 1 }));
    expect(coveredRange(d("b", "d", "f"))).toEqual({ first: "b", last: "f", wraps: false });
    expect(coveredRange(d("x", "z", "a", "c"))).toEqual({ first: "x", last: "c", wraps: true });
    expect(coveredRange(d("x", "a", "z"))).toBeNull(); // wraps, then overlaps: not a slice
    expect(coveredRange(d("b", "a", "c"))).toBeNull();
    expect(coveredRange([])).toBeNull();
  });
});

describe("deltaFor", () => {
  it("sends owners a complete digest lacks from 0, and nothing a slice says nothing about", () => {
    const a = holding("a", 6, 2);
    const complete = a.deltaFor([], true, 100_000);
    // The holder itself never wrote anything: there is nothing of it to send.
    expect(complete.map((d) => d.owner).sort()).toEqual([0, 1, 2, 3, 4, 5].map(ownerName).sort());
    expect(complete.every((d) => d.fromVersion === 0 && !d.reset)).toBe(true);

    // A slice covering owners 1..4 where the peer holds 1 and 4 only: 2 and 3 are lacking.
    const slice = [
      { owner: ownerName(1), generation: 1, maxVersion: 2 },
      { owner: ownerName(4), generation: 1, maxVersion: 1 },
    ];
    const partial = a.deltaFor(slice, false, 100_000);
    expect(partial.map((d) => [d.owner, d.fromVersion]).sort()).toEqual([
      [ownerName(2), 0],
      [ownerName(3), 0],
      [ownerName(4), 1],
    ]);
    expect(a.deltaFor(slice.slice(0, 1).reverse(), false, 100_000)).toEqual([]);
  });

  it("answers a peer on an older generation with the whole state, and ignores newer ones", () => {
    const a = holding("a", 1, 3);
    const older = a.deltaFor(
      [{ owner: ownerName(0), generation: 0, maxVersion: 9 }],
      false,
      10_000,
    );
    expect(older).toMatchObject([{ owner: ownerName(0), fromVersion: 0, maxVersion: 3 }]);
    expect(older[0]!.entries).toHaveLength(3);
    expect(
      a.deltaFor([{ owner: ownerName(0), generation: 2, maxVersion: 0 }], false, 10_000),
    ).toEqual([]);
  });

  it("puts the owners the peer is most behind on first, ties in random order", () => {
    const a = node("a");
    const deltas = [];
    for (let i = 0; i < 40; i++) deltas.push(syntheticDelta(ownerName(i), i === 7 ? 5 : 2));
    a.apply(deltas, 0);
    const digest = [];
    for (let i = 0; i < 40; i++) digest.push({ owner: ownerName(i), generation: 1, maxVersion: 1 });
    const budget = 400;
    const firsts = new Set<string>();
    const reached = new Set<string>();
    for (let call = 0; call < 200; call++) {
      const out = a.deltaFor(digest, false, budget);
      expect(deltaSize(out)).toBeLessThanOrEqual(budget);
      expect(out.length).toBeGreaterThan(0);
      firsts.add(out[0]!.owner);
      for (const d of out) reached.add(d.owner);
    }
    expect([...firsts]).toEqual([ownerName(7)]); // 4 versions behind, the others 1
    expect(reached.size).toBe(40); // random tie-break: nobody starves
  });
});

describe("reconciliation of two replicas", () => {
  it("reaches every owner through rotating digests (10,000 owners, 10% updated)", () => {
    const a = holding("a", 10_000, 1);
    const b = holding("b", 10_000, 1);
    const updates = [];
    const rng = seeded(11);
    for (let i = 0; i < 10_000; i++) {
      if (rng.next() < 0.1)
        updates.push({ ...syntheticDelta(ownerName(i), 1, 1, 1), fromVersion: 1 });
    }
    a.apply(updates, 0);
    const rounds = reconcile(a, b, ENTRY_BUDGET, 0);
    expect(sameViews(a, b)).toBe(true);
    console.log(
      `rotating digests: ${updates.length} of 10,000 owners updated, converged in ${rounds} exchanges`,
    );
    expect(rounds).toBeLessThan(2 * Math.ceil(10_000 / 40));
  });

  it("converges 1,000 owners x 20 keys over 1400-byte packets", () => {
    const a = holding("a", 1000, 20);
    const b = node("b");
    const joinRounds = reconcile(a, b, ENTRY_BUDGET, 0);

    // Two replicas each holding a different half, plus the same owners at different versions.
    const left = node("left");
    const right = node("right");
    const leftDeltas = [];
    const rightDeltas = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0) leftDeltas.push(syntheticDelta(ownerName(i), 20));
      else rightDeltas.push(syntheticDelta(ownerName(i), 20));
    }
    left.apply(leftDeltas, 0);
    right.apply(rightDeltas, 0);
    const halvesRounds = reconcile(left, right, ENTRY_BUDGET, 0);
    expect(view(left, ownerName(999))).toBe(view(right, ownerName(999)));

    console.log(
      `1,000 owners x 20 keys, ${ENTRY_BUDGET}-byte entry budget per message: ` +
        `empty replica joins in ${joinRounds} exchanges; two half-replicas in ${halvesRounds}`,
    );
    expect(joinRounds).toBeLessThan(1500);
    expect(halvesRounds).toBeLessThan(1500);
  });

  it("exchanges nothing once converged", () => {
    const a = holding("a", 100, 3);
    const b = node("b");
    reconcile(a, b, ENTRY_BUDGET, 0);
    for (let i = 0; i < 5; i++) expect(exchange(a, b, ENTRY_BUDGET, 0).deltas).toBe(0);
  });
});
