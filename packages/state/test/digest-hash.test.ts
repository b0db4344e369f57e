import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes, ENTRY_BUDGET, node, ownerName, reconcile, syntheticDelta } from "./helpers.js";

describe("digest hash", () => {
  it("is equal on two nodes holding the same owners at the same versions, whatever the order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 4 })), {
          minLength: 1,
          maxLength: 15,
        }),
        fc.integer({ min: 0, max: 1000 }),
        (owners, shuffleSeed) => {
          const deltas = new Map(
            owners.map(([i, keys]) => [i, syntheticDelta(ownerName(i), keys)]),
          );
          const list = [...deltas.values()];
          const a = node("x");
          const b = node("x");
          a.apply(list, 0);
          // Another order: rotate by the seed.
          const k = shuffleSeed % list.length;
          b.apply([...list.slice(k), ...list.slice(0, k)].reverse(), 0);
          expect(a.digestHash()).toBe(b.digestHash());
          expect(a.digestHash()).not.toBe(0);
        },
      ),
    );
  });

  it("changes when any owner's version or generation changes, or an owner is missing", () => {
    const base = [0, 1, 2, 3].map((i) => syntheticDelta(ownerName(i), 2));
    const full = node("x");
    full.apply(base, 0);
    const missing = node("x");
    missing.apply(base.slice(0, 3), 0);
    const newer = node("x");
    newer.apply([...base.slice(0, 3), syntheticDelta(ownerName(3), 2, 1, 5)], 0);
    const reborn = node("x");
    reborn.apply([...base.slice(0, 3), syntheticDelta(ownerName(3), 2, 2)], 0);
    const hashes = [full, missing, newer, reborn].map((s) => s.digestHash());
    expect(new Set(hashes).size).toBe(4);
  });

  it("ignores owners with no state (as digests do) and meets after anti-entropy", () => {
    const a = node("a");
    const b = node("b");
    // Neither has written: both digests are empty, both hashes the empty value.
    expect(a.digestHash()).toBe(b.digestHash());
    a.set("k", bytes("v"), 0);
    expect(a.digestHash()).not.toBe(b.digestHash());
    reconcile(a, b, ENTRY_BUDGET, 0);
    expect(a.digestHash()).toBe(b.digestHash());
  });
});
