import { seededRng } from "@grapevine/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  insertionIndex,
  ProbeOrder,
  probeOrder,
  shuffleInPlace,
  worstCaseProbeGap,
} from "./probe-order.js";

describe("probeOrder / shuffleInPlace", () => {
  it("returns a permutation and leaves the input alone", () => {
    const members = [1, 2, 3, 4, 5, 6, 7, 8];
    const order = probeOrder(members, seededRng(1));
    expect([...order].sort()).toEqual(members);
    expect(members).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
  it("is uniform: each member is equally likely in each position", () => {
    const rng = seededRng(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) {
      const items = [0, 1, 2, 3];
      shuffleInPlace(items, rng);
      counts[items[0]!]! += 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });
  it("is reproducible from the seed", () => {
    expect(probeOrder([1, 2, 3, 4, 5], seededRng(3))).toEqual(
      probeOrder([1, 2, 3, 4, 5], seededRng(3)),
    );
  });
});

describe("insertionIndex", () => {
  it("is uniform in [0, length]", () => {
    const rng = seededRng(11);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[insertionIndex(2, rng)]! += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });
});

describe("worstCaseProbeGap (SWIM §4.3)", () => {
  it("is 2n − 1 periods plus two per insertion", () => {
    expect(worstCaseProbeGap(0)).toBe(0);
    expect(worstCaseProbeGap(1)).toBe(1);
    expect(worstCaseProbeGap(10)).toBe(19);
    expect(worstCaseProbeGap(10, 3)).toBe(25);
  });
});

const always = (): boolean => true;

describe("ProbeOrder", () => {
  it("visits every entry exactly once per round", () => {
    const order = new ProbeOrder(seededRng(5));
    for (let i = 0; i < 10; i++) order.insert(i);
    for (let round = 0; round < 5; round++) {
      const seen = new Set<number>();
      for (let i = 0; i < 10; i++) seen.add(order.next(always, always)!);
      expect(seen.size).toBe(10);
    }
  });
  it("skips ineligible entries without spending a step on them", () => {
    const order = new ProbeOrder(seededRng(5));
    for (let i = 0; i < 10; i++) order.insert(i);
    const odd = (n: number): boolean => n % 2 === 1;
    for (let i = 0; i < 20; i++) expect(odd(order.next(odd, always)!)).toBe(true);
  });
  it("returns undefined when nothing is eligible, and when empty", () => {
    const order = new ProbeOrder(seededRng(5));
    expect(order.next(always, always)).toBeUndefined();
    order.insert(1);
    expect(order.next(() => false, always)).toBeUndefined();
  });
  it("drops entries that are not retained at the end of a round", () => {
    const order = new ProbeOrder(seededRng(5));
    for (let i = 0; i < 6; i++) order.insert(i);
    const keepEven = (n: number): boolean => n % 2 === 0;
    for (let i = 0; i < 6; i++) order.next(always, keepEven);
    order.next(always, keepEven);
    expect(order.length).toBe(3);
    expect([...order.snapshot()].sort()).toEqual([0, 2, 4]);
  });
  it("inserts at random positions", () => {
    const firsts = new Set<number>();
    for (let seed = 0; seed < 50; seed++) {
      const order = new ProbeOrder(seededRng(seed));
      for (let i = 0; i < 5; i++) order.insert(i);
      firsts.add(order.snapshot().indexOf(4));
    }
    expect(firsts.size).toBe(5);
  });

  it("never lets more than 2n − 1 + 2·insertions steps pass between two visits of an entry (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 25 }),
        fc.integer(),
        fc.array(fc.boolean(), { minLength: 50, maxLength: 400 }),
        (initial, seed, insertAt) => {
          const order = new ProbeOrder(seededRng(seed));
          for (let i = 0; i < initial; i++) order.insert(i);
          let next = initial;
          const lastVisit = new Map<number, number>();
          const insertions: number[] = []; // step of each insertion
          for (let step = 0; step < insertAt.length; step++) {
            if (insertAt[step]) {
              order.insert(next++);
              insertions.push(step);
            }
            const item = order.next(always, always)!;
            const previous = lastVisit.get(item);
            if (previous !== undefined) {
              const between = insertions.filter((s) => s > previous && s <= step).length;
              const n = order.length - between;
              expect(step - previous).toBeLessThanOrEqual(worstCaseProbeGap(n, between));
            }
            lastVisit.set(item, step);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reaches the 2n − 1 bound without insertions: first in one round, last in the next", () => {
    let worst = 0;
    for (let seed = 0; seed < 300; seed++) {
      const order = new ProbeOrder(seededRng(seed));
      for (let i = 0; i < 4; i++) order.insert(i);
      const last = new Map<number, number>();
      for (let step = 0; step < 40; step++) {
        const item = order.next(always, always)!;
        const previous = last.get(item);
        if (previous !== undefined) worst = Math.max(worst, step - previous);
        last.set(item, step);
      }
    }
    expect(worst).toBe(worstCaseProbeGap(4));
  });
});
