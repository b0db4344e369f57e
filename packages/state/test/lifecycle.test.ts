import { describe, expect, it } from "vitest";
import { deltaSize, type OwnerDelta, REJECT_REASONS } from "../src/index.js";
import { bytes, node, syntheticDelta, view } from "./helpers.js";

const GRACE = 1_000;

describe("tombstone collection and resets", () => {
  it("collects tombstones after the grace period and resets a peer that is behind them", () => {
    const a = node("a", { tombstoneGraceMs: GRACE });
    const b = node("b", { tombstoneGraceMs: GRACE });
    a.set("x", bytes("1"), 0);
    a.set("y", bytes("2"), 0);
    b.apply(a.deltaFor(b.digest(1400).entries, true, 1400), 0);
    expect(b.get("a", "x")).toBeDefined();

    a.delete("x", 10);
    a.set("z", bytes("3"), 10);
    expect(a.tick(10 + GRACE - 1).nextTickAt).toBe(10 + GRACE);
    expect(a.counters.tombstonesCollected).toBe(0);
    expect(a.tick(10 + GRACE)).toEqual({ changes: [], nextTickAt: null });
    expect(a.counters.tombstonesCollected).toBe(1);
    expect(a.snapshot().entries.map((e) => e.key)).toEqual(["y", "z"]);

    // b holds a@2 and never saw the delete (v3): an increment would leave it holding x.
    const deltas = a.deltaFor(b.digest(1400).entries, true, 1400);
    expect(deltas).toMatchObject([{ owner: "a", reset: true, fromVersion: 0, maxVersion: 4 }]);
    expect(a.counters.resetsSent).toBe(1);
    const result = b.apply(deltas, 20);
    expect(result.changes.map((c) => [c.key, c.current === null])).toEqual([
      ["x", true],
      ["z", false],
    ]);
    expect(view(b, "a")).toBe(view(a, "a"));

    // A peer that had seen the tombstone gets an increment, not a reset.
    a.set("w", bytes("4"), 30);
    expect(a.deltaFor([{ owner: "a", generation: 1, maxVersion: 4 }], false, 1400)).toMatchObject([
      { reset: false, fromVersion: 4, maxVersion: 5 },
    ]);
  });

  it("passes its collection floor on: a replica that received a reset resets peers below it", () => {
    const a = node("a", { tombstoneGraceMs: GRACE });
    const b = node("b");
    const c = node("c");
    a.set("x", bytes("1"), 0);
    c.apply([a.localDelta(0, 1400)!], 0); // c: a@1, holding x
    a.delete("x", 0);
    a.set("y", bytes("2"), 0);
    a.tick(GRACE);
    b.apply(a.deltaFor([{ owner: "a", generation: 1, maxVersion: 1 }], false, 1400), 0);
    expect(b.owner("a")?.maxVersion).toBe(3);
    // b never saw the tombstone either: it must not send c an increment from 1.
    const toC = b.deltaFor(c.digest(1400).entries, true, 1400);
    expect(toC.find((d) => d.owner === "a")?.reset).toBe(true);
    c.apply(toC, 0);
    expect(c.get("a", "x")).toBeUndefined();
    expect(view(c, "a")).toBe(view(a, "a"));
  });

  it("collects tombstones received from peers too, and then resets peers behind them", () => {
    const a = node("a");
    const b = node("b", { tombstoneGraceMs: GRACE });
    const c = node("c");
    a.set("x", bytes("1"), 0);
    c.apply([a.localDelta(0, 1400)!], 0);
    a.delete("x", 0);
    b.apply([a.localDelta(0, 1400)!], 100);
    expect(b.tick(100 + GRACE - 1).nextTickAt).toBe(100 + GRACE);
    b.tick(100 + GRACE);
    expect(b.counters.tombstonesCollected).toBe(1);
    const toC = b.deltaFor(c.digest(1400).entries, true, 1400);
    expect(toC.find((d) => d.owner === "a")).toMatchObject({
      reset: true,
      maxVersion: 2,
      entries: [],
    });
    expect(c.apply(toC, 0).changes).toMatchObject([{ owner: "a", key: "x", current: null }]);
  });

  it("ignores a reset that is not newer than what is held", () => {
    const a = node("a", { tombstoneGraceMs: GRACE });
    const b = node("b");
    a.set("x", bytes("1"), 0);
    a.delete("x", 0);
    a.set("y", bytes("2"), 0);
    a.tick(GRACE);
    const reset = a.deltaFor([{ owner: "a", generation: 1, maxVersion: 1 }], false, 1400);
    a.set("z", bytes("3"), 0);
    b.apply(a.deltaFor([], true, 1400), 0);
    expect(b.apply(reset, 0)).toEqual({ changes: [], rejected: [], gaps: [] });
    expect(b.counters.duplicates).toBe(1);
    expect(view(b, "a")).toBe(view(a, "a"));
  });

  it("never sends a reset that stops short of the floor; counts one too large for an empty budget", () => {
    const a = node("a", { tombstoneGraceMs: GRACE });
    for (let i = 0; i < 30; i++) a.set(`key-${i}`, bytes("0123456789abcdef"), 0);
    a.delete("key-29", 0);
    a.tick(GRACE); // floor 31: every entry must be sent for a reset to count
    const behind = [{ owner: "a", generation: 1, maxVersion: 3 }];
    expect(a.deltaFor(behind, false, 400)).toEqual([]);
    expect(a.counters.resetsTooLarge).toBe(1);
    const whole = a.deltaFor(behind, false, 100_000);
    expect(whole).toMatchObject([{ reset: true, maxVersion: 31 }]);
    expect(whole[0]!.entries).toHaveLength(29);
    expect(deltaSize(whole)).toBeGreaterThan(400);
  });

  it("builds a reset for piggy-backing from a version below the floor", () => {
    const a = node("a", { tombstoneGraceMs: GRACE });
    a.set("x", bytes("1"), 0);
    a.delete("x", 0);
    a.set("y", bytes("2"), 0);
    a.tick(GRACE);
    expect(a.localDelta(1, 1400)).toMatchObject({ reset: true, fromVersion: 0, maxVersion: 3 });
    expect(a.localDelta(2, 1400)).toMatchObject({ reset: false, fromVersion: 2, maxVersion: 3 });
  });
});

describe("dead owners", () => {
  it("keeps a dead owner for its grace period, then drops it and refuses late echoes", () => {
    const b = node("b", { deadOwnerGraceMs: GRACE });
    b.apply([syntheticDelta("o", 2)], 0);
    b.markOwnerDead("o", 100);
    b.markOwnerDead("b", 100); // never this node
    expect(b.owner("o")?.deadSince).toBe(100);
    expect(b.tick(100 + GRACE - 1)).toEqual({ changes: [], nextTickAt: 100 + GRACE });
    // Still updated while in grace; but not offered to peers that lack it.
    b.apply([{ ...syntheticDelta("o", 1, 1, 2), fromVersion: 2 }], 200);
    expect(b.owner("o")?.maxVersion).toBe(3);
    // b itself never wrote anything, so nothing at all is offered.
    expect(b.deltaFor([], true, 1400).map((d) => d.owner)).toEqual([]);

    const { changes, nextTickAt } = b.tick(100 + GRACE);
    expect(changes.map((c) => [c.owner, c.key, c.current, c.version]).sort()).toEqual([
      ["o", "key-00", null, 0],
      ["o", "key-01", null, 0],
    ]);
    expect(nextTickAt).toBe(100 + 2 * GRACE); // the drop is remembered for one more grace period
    expect(b.owner("o")).toBeUndefined();
    expect(b.digest(1400).entries.map((e) => e.owner)).toEqual([]);
    expect(b.counters.ownersDropped).toBe(1);

    expect(b.apply([syntheticDelta("o", 3)], 300).rejected).toEqual([
      { owner: "o", reason: "dropped-owner" },
    ]);
    expect(b.apply([syntheticDelta("o", 1, 2)], 300).rejected).toEqual([]);
    expect(b.owner("o")?.generation).toBe(2);
  });

  it("forgets a pending or done drop when the owner is seen alive again", () => {
    const b = node("b", { deadOwnerGraceMs: GRACE });
    b.apply([syntheticDelta("o", 1), syntheticDelta("p", 1)], 0);
    b.markOwnerDead("o", 0);
    b.markOwnerDead("p", 0);
    b.markOwnerAlive("o", 10);
    b.tick(GRACE);
    expect(b.owner("o")?.deadSince).toBeNull();
    expect(b.owner("p")).toBeUndefined();
    b.markOwnerAlive("p", GRACE + 1, 1); // same generation: a false death, refuted
    expect(b.apply([syntheticDelta("p", 1)], GRACE + 2).rejected).toEqual([]);
    expect(b.owner("p")).toBeDefined();
    expect(b.tick(GRACE + 3).nextTickAt).toBeNull();
  });
});

describe("generations", () => {
  it("replaces an owner's state wholesale when it comes back with a higher generation", () => {
    const b = node("b");
    b.apply([syntheticDelta("o", 3)], 0);
    const restarted: OwnerDelta = {
      ...syntheticDelta("o", 1, 2),
      entries: [{ key: "key-00", value: bytes("fresh"), version: 1, tombstone: false }],
      maxVersion: 1,
    };
    const { changes } = b.apply([restarted], 0);
    expect(changes.map((c) => [c.key, c.previous?.version, c.current?.version ?? null])).toEqual([
      ["key-00", 1, 1],
      ["key-01", 2, null],
      ["key-02", 3, null],
    ]);
    expect(b.owner("o")).toMatchObject({ generation: 2, maxVersion: 1, keys: 1 });
    expect(b.apply([syntheticDelta("o", 5, 1)], 0).rejected).toEqual([
      { owner: "o", reason: "stale-generation" },
    ]);
    expect(b.counters.rejected["stale-generation"]).toBe(1);
  });

  it("keeps the old generation until the new one arrives from its start", () => {
    const b = node("b");
    b.apply([syntheticDelta("o", 3)], 0);
    const before = view(b, "o");
    const piggyBacked = { ...syntheticDelta("o", 1, 2, 4), fromVersion: 4 };
    expect(b.apply([piggyBacked], 0)).toEqual({ changes: [], rejected: [], gaps: ["o"] });
    expect(view(b, "o")).toBe(before);
  });

  it("drops the old state at once when membership reports a newer generation", () => {
    const b = node("b");
    b.apply([syntheticDelta("o", 2)], 0);
    expect(b.markOwnerAlive("o", 5, 2).map((c) => c.key)).toEqual(["key-00", "key-01"]);
    expect(b.owner("o")).toBeUndefined();
    expect(b.apply([syntheticDelta("o", 2, 1)], 6).rejected).toMatchObject([
      { reason: "dropped-owner" },
    ]);
    expect(b.apply([syntheticDelta("o", 2, 2)], 6).rejected).toEqual([]);
  });
});

describe("bad input from peers", () => {
  const base = (): OwnerDelta => syntheticDelta("o", 3);
  const cases: [string, (d: OwnerDelta) => OwnerDelta, string][] = [
    ["about this node, from an older self", (d) => ({ ...d, owner: "b", generation: 0 }), "self"],
    ["older generation", (d) => ({ ...d, generation: 0 }), "stale-generation"],
    [
      "versions going backwards",
      (d) => ({ ...d, entries: [d.entries[1]!, d.entries[0]!, d.entries[2]!] }),
      "non-monotonic",
    ],
    [
      "versions repeated",
      (d) => ({ ...d, entries: [d.entries[0]!, d.entries[0]!] }),
      "non-monotonic",
    ],
    ["entry not after fromVersion", (d) => ({ ...d, fromVersion: 1 }), "non-monotonic"],
    ["entry above maxVersion", (d) => ({ ...d, maxVersion: 2 }), "non-monotonic"],
    [
      "maxVersion below fromVersion",
      (d) => ({ ...d, entries: [], fromVersion: 5, maxVersion: 4 }),
      "non-monotonic",
    ],
    [
      "fractional version",
      (d) => ({ ...d, entries: [{ ...d.entries[0]!, version: 1.5 }] }),
      "non-monotonic",
    ],
    ["reset not from 0", (d) => ({ ...d, entries: [], reset: true, fromVersion: 1 }), "malformed"],
    ["negative generation", (d) => ({ ...d, generation: -1 }), "malformed"],
    [
      "key over the limit",
      (d) => ({ ...d, entries: [{ ...d.entries[0]!, key: "k".repeat(17) }] }),
      "key-too-large",
    ],
    [
      "value over the limit",
      (d) => ({ ...d, entries: [{ ...d.entries[0]!, value: new Uint8Array(33) }] }),
      "value-too-large",
    ],
  ];

  for (const [name, corrupt, reason] of cases) {
    it(`refuses ${name} (${reason}) and keeps what it held`, () => {
      const b = node("b", { limits: { maxKeyBytes: 16, maxValueBytes: 32 } });
      b.apply([syntheticDelta("o", 2, 1)], 0);
      const before = view(b, "o");
      const result = b.apply([corrupt(base()), syntheticDelta("p", 1)], 0);
      expect(result.rejected).toEqual([{ owner: reason === "self" ? "b" : "o", reason }]);
      expect(result.changes.map((c) => c.owner)).toEqual(["p"]); // the good delta still applies
      expect(view(b, "o")).toBe(before);
      expect(b.counters.rejected[reason as (typeof REJECT_REASONS)[number]]).toBe(1);
      const others = REJECT_REASONS.filter((r) => r !== reason).map((r) => b.counters.rejected[r]);
      expect(others.every((n) => n === 0)).toBe(true);
    });
  }

  it("sets a gap aside without counting it as an error", () => {
    const b = node("b");
    b.apply([syntheticDelta("o", 2)], 0);
    const result = b.apply([{ ...syntheticDelta("o", 1, 1, 5), fromVersion: 5 }], 0);
    expect(result).toEqual({ changes: [], rejected: [], gaps: ["o"] });
    expect(b.apply([{ ...syntheticDelta("x", 1, 1, 5), fromVersion: 5 }], 0).gaps).toEqual(["x"]);
    expect(b.counters.gaps).toBe(2);
    expect(Object.values(b.counters.rejected).every((n) => n === 0)).toBe(true);
    expect(b.owner("x")).toBeUndefined();
  });
});
