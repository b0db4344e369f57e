import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes, keyspace, text } from "../test/helpers.js";

describe("SharedKeyspace snapshots", () => {
  it("a restored keyspace holds what was saved, tombstones included, and sends the same digest", () => {
    const before = keyspace("a");
    before.set("flags/x", bytes("on"), 1000);
    before.set("flags/y", bytes("off"), 1001);
    before.delete("flags/y", 1002);
    const saved = before.snapshot(1003);
    expect(saved.lastContactAt).toBe(1003);
    const after = keyspace("a");
    const result = after.restore(saved, 2000);
    expect(text(after.get("flags/x"))).toBe("on");
    expect(after.get("flags/y")).toBeUndefined();
    expect(after.entry("flags/y")?.tombstone).toBe(true);
    expect(after.digest()).toEqual(before.digest());
    expect(result.changes.map((c) => c.key)).toEqual(["flags/x"]);
  });

  it("a write after the restart wins over the writer's own earlier write, even with its clock behind", () => {
    const before = keyspace("a");
    before.set("k", bytes("old"), 50_000);
    const after = keyspace("a");
    // The clock went back 3 s (within the allowed drift) across the restart.
    after.restore(before.snapshot(50_000), 47_000);
    const { entry } = after.set("k", bytes("new"), 47_001);
    const peer = keyspace("b");
    peer.merge(before.snapshot(50_000).entries, 50_000);
    peer.merge([entry], 50_000);
    expect(text(peer.get("k"))).toBe("new");
  });

  it("an entry held that is newer than the saved one stays", () => {
    const old = keyspace("a");
    old.set("k", bytes("saved"), 1000);
    const live = keyspace("a");
    live.merge(
      [{ key: "k", value: bytes("newer"), wall: 5000, logical: 0, writer: "b", tombstone: false }],
      5000,
    );
    live.restore(old.snapshot(1000), 6000);
    expect(text(live.get("k"))).toBe("newer");
  });

  it("after an absence longer than the grace, restored entries are set aside: a key deleted meanwhile does not come back", () => {
    const grace = 60_000;
    const a = keyspace("a", grace);
    const b = keyspace("b", grace);
    const { entry } = a.set("gone", bytes("v"), 1000);
    b.merge([entry], 1000);
    const saved = a.snapshot(2000);
    // While a is down: b deletes the key and, after the grace, collects the tombstone.
    b.delete("gone", 3000);
    b.collect(3000 + grace + 1);
    expect(b.entry("gone")).toBeUndefined();
    const restarted = keyspace("a", grace);
    restarted.restore(saved, 200_000);
    expect(text(restarted.get("gone"))).toBe("v");
    restarted.observe(200_000, false);
    // Set aside: still read locally, never sent, not in the digest.
    expect(restarted.quarantineSize).toBe(1);
    expect(restarted.delta(Number.POSITIVE_INFINITY).entries).toEqual([]);
    // b's complete keyspace does not hold it: dropped, not brought back to b.
    const answer = b.delta(Number.POSITIVE_INFINITY);
    expect(answer.complete).toBe(true);
    restarted.merge(answer.entries, 200_001, "complete");
    expect(restarted.get("gone")).toBeUndefined();
    expect(b.entry("gone")).toBeUndefined();
  });

  it("a restore within the grace keeps the entries live (sent, in the digest)", () => {
    const a = keyspace("a", 60_000);
    a.set("k", bytes("v"), 1000);
    const restarted = keyspace("a", 60_000);
    restarted.restore(a.snapshot(1000), 30_000);
    restarted.observe(30_000, true);
    expect(restarted.quarantineSize).toBe(0);
    expect(restarted.digest()).toEqual(a.digest());
  });

  it("restore ∘ snapshot keeps every entry, for any writes and deletes", () => {
    const op = fc.record({
      key: fc.constantFrom("a", "b", "c", "d/e"),
      value: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
      at: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const s = keyspace("w");
        let now = 0;
        for (const o of ops) {
          now += o.at;
          if (o.value === undefined) s.delete(o.key, now);
          else s.set(o.key, bytes(o.value), now);
        }
        const r = keyspace("w");
        r.restore(s.snapshot(now), now);
        expect(r.digest()).toEqual(s.digest());
        expect(r.entries()).toEqual(s.entries());
      }),
      { seed: 23, numRuns: 200 },
    );
  });
});
