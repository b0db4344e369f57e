import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes, keyspace, text } from "../test/helpers.js";
import { compareHlc, HybridClock } from "./hlc.js";
import { ClockDriftError, SharedKeyspace } from "./shared-keys.js";
import type { SharedEntry } from "./wire.js";

/** Everything a keyspace holds, in a comparable form. */
function contents(s: SharedKeyspace): string {
  return JSON.stringify(
    s
      .delta(Number.POSITIVE_INFINITY)
      .entries.map((e) => [e.key, text(e.value), e.wall, e.logical, e.writer, e.tombstone])
      .sort(),
  );
}

describe("HybridClock", () => {
  it("issues increasing timestamps, also when the physical clock stands still or goes back", () => {
    const clock = new HybridClock("a");
    const t1 = clock.issue(1000);
    const t2 = clock.issue(1000);
    const t3 = clock.issue(999);
    expect(compareHlc(t1, t2)).toBeLessThan(0);
    expect(compareHlc(t2, t3)).toBeLessThan(0);
  });

  it("orders a local write after an observed timestamp from a clock that is ahead", () => {
    const clock = new HybridClock("a");
    clock.observe({ wall: 5000, logical: 3, writer: "b" });
    expect(clock.issue(1000)).toEqual({ wall: 5000, logical: 4, writer: "a" });
  });

  it("stamps whole milliseconds", () => {
    expect(new HybridClock("a").issue(1000.7).wall).toBe(1000);
  });

  it("breaks ties by writer name", () => {
    expect(
      compareHlc({ wall: 1, logical: 0, writer: "a" }, { wall: 1, logical: 0, writer: "b" }),
    ).toBe(-1);
  });
});

describe("SharedKeyspace", () => {
  it("last writer wins by timestamp, whichever order the writes arrive in", () => {
    const a = keyspace("a");
    const b = keyspace("b");
    const first = a.set("flag", bytes("on"), 1000).entry;
    const second = b.set("flag", bytes("off"), 2000).entry;
    a.merge([second], 2000);
    b.merge([first], 2000);
    expect(text(a.get("flag"))).toBe("off");
    expect(text(b.get("flag"))).toBe("off");
    expect(a.digest()).toEqual(b.digest());
  });

  it("reports visible changes only", () => {
    const a = keyspace("a");
    expect(a.set("k", bytes("v"), 1).change).toMatchObject({ key: "k", previous: undefined });
    expect(a.set("k", bytes("v"), 2).change).toBeUndefined();
    expect(a.delete("k", 3)?.change?.current).toBeUndefined();
    expect(a.delete("k", 4)).toBeUndefined();
    expect(a.entries()).toEqual([]);
  });

  it("lists live keys under a prefix, sorted", () => {
    const a = keyspace("a");
    a.set("flags/b", bytes("1"), 1);
    a.set("flags/a", bytes("2"), 1);
    a.set("other", bytes("3"), 1);
    a.delete("flags/b", 2);
    expect(a.entries("flags/").map(([k]) => k)).toEqual(["flags/a"]);
  });

  it("refuses (and counts) timestamps further ahead than the allowed clock drift", () => {
    const a = new SharedKeyspace({ self: "a", maxClockDriftMs: 5000 });
    const b = keyspace("b");
    const ahead = b.set("k", bytes("fast"), 100_000).entry;
    const result = a.merge([ahead], 90_000);
    expect(result.refused[0]).toBeInstanceOf(ClockDriftError);
    expect((result.refused[0] as ClockDriftError).code).toBe("clock-drift");
    expect(a.counters.refusedClockDrift).toBe(1);
    expect(a.get("k")).toBeUndefined();
    // Within the bound it is taken, and a later local write still wins over it.
    expect(a.merge([ahead], 96_000).accepted).toHaveLength(1);
    a.set("k", bytes("mine"), 96_001);
    expect(text(a.get("k"))).toBe("mine");
  });

  it("collects tombstones after the grace period", () => {
    const a = keyspace("a", 1000);
    a.set("k", bytes("v"), 0);
    a.delete("k", 10);
    expect(a.nextCollectAt()).toBe(1011);
    expect(a.collect(1000)).toBe(0);
    expect(a.collect(1011)).toBe(1);
    expect(a.size).toBe(0);
    expect(a.digest()).toEqual({ hash: 0, count: 0 });
  });

  it("a node away longer than the grace cannot bring back a key deleted and collected meanwhile", () => {
    const grace = 10_000;
    const x = keyspace("x", grace);
    const peer = keyspace("p", grace);
    const kept = x.set("kept", bytes("1"), 0).entry;
    const doomed = x.set("doomed", bytes("1"), 0).entry;
    peer.merge([kept, doomed], 0);
    x.observe(0, true);
    // x goes away; meanwhile the cluster deletes `doomed` and collects the tombstone.
    peer.delete("doomed", 1000);
    peer.collect(1000 + grace + 1);
    expect(peer.entry("doomed")).toBeUndefined();
    // x is back at 30 s: it sets its old entries aside before anything else.
    expect(x.observe(30_000, true)).toBe(2);
    expect(text(x.get("doomed"))).toBe("1"); // still readable locally until a peer answers
    expect(x.delta(Number.POSITIVE_INFINITY).entries).toEqual([]); // but never sent
    // The peer's complete keyspace answers: `kept` is confirmed, `doomed` is dropped.
    const answer = peer.delta(Number.POSITIVE_INFINITY);
    const result = x.merge(answer.entries, 30_000, answer.complete ? "complete" : "answer");
    expect(result.changes).toEqual([
      { key: "doomed", previous: bytes("1"), current: undefined, stamp: doomed },
    ]);
    expect(text(x.get("kept"))).toBe("1");
    expect(x.get("doomed")).toBeUndefined();
    expect(x.digest()).toEqual(peer.digest());
    expect(x.counters.droppedStale).toBe(1);
  });

  it("refuses piggy-backed news older than the grace (sent by a node back from an absence)", () => {
    const x = keyspace("x", 10_000);
    const old = keyspace("o", 10_000).set("k", bytes("v"), 0).entry;
    expect(x.merge([old], 20_000, "news").accepted).toEqual([]);
    expect(x.counters.refusedStaleNews).toBe(1);
    expect(x.merge([old], 20_000, "answer").accepted).toHaveLength(1);
  });

  it("a node that stayed in contact keeps everything", () => {
    const x = keyspace("x", 10_000);
    x.set("k", bytes("v"), 0);
    for (let t = 0; t <= 60_000; t += 1000) x.observe(t, true);
    expect(x.size).toBe(1);
    expect(x.quarantineSize).toBe(0);
  });

  it("cuts deltas to the byte budget, newest first", () => {
    const a = keyspace("a");
    for (let i = 0; i < 20; i++) a.set(`k${i}`, bytes("x".repeat(20)), i);
    const d = a.delta(200);
    expect(d.complete).toBe(false);
    expect(d.entries[0]!.key).toBe("k19");
    expect(a.delta(100_000).complete).toBe(true);
  });
});

// ── properties ───────────────────────────────────────────────────────────────────────────────

const writer = fc.constantFrom("a", "b", "c");
const entryArb: fc.Arbitrary<SharedEntry> = fc
  .record({
    key: fc.constantFrom("k1", "k2", "k3"),
    value: fc.constantFrom("x", "y", "z"),
    wall: fc.integer({ min: 0, max: 50 }),
    logical: fc.integer({ min: 0, max: 3 }),
    writer,
    tombstone: fc.boolean(),
  })
  .map((e) => ({
    ...e,
    value: e.tombstone ? new Uint8Array(0) : bytes(`${e.value}${e.writer}${e.wall}${e.logical}`),
  }));

function merged(batches: readonly (readonly SharedEntry[])[]): SharedKeyspace {
  const s = keyspace("r");
  for (const batch of batches) s.merge(batch, 100);
  return s;
}

describe("SharedKeyspace merge properties", () => {
  it("commutes: any order of the same entries gives the same keyspace", () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 20 }), fc.integer(), (entries, seed) => {
        const shuffled = [...entries];
        let r = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          r = (Math.imul(r, 1103515245) + 12345) >>> 0;
          const j = r % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(contents(merged([entries]))).toBe(contents(merged([shuffled])));
        expect(merged([entries]).digest()).toEqual(merged([shuffled]).digest());
      }),
    );
  });

  it("is idempotent: merging again changes nothing", () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 20 }), (entries) => {
        const s = merged([entries]);
        const before = contents(s);
        const again = s.merge(entries, 100);
        expect(again.accepted).toEqual([]);
        expect(contents(s)).toBe(before);
      }),
    );
  });

  it("converges: replicas that exchange their keyspaces end equal, with equal digests", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(entryArb, { maxLength: 8 }), { minLength: 2, maxLength: 4 }),
        (perReplica) => {
          const replicas = perReplica.map((batch) => merged([batch]));
          for (const from of replicas) {
            for (const to of replicas) to.merge(from.delta(Number.POSITIVE_INFINITY).entries, 100);
          }
          const first = replicas[0]!;
          for (const r of replicas) {
            expect(contents(r)).toBe(contents(first));
            expect(r.digest()).toEqual(first.digest());
          }
        },
      ),
    );
  });

  it("never resurrects: after a delete has reached a replica, no older write brings the key back", () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 12 }),
        fc.integer({ min: 0, max: 50 }),
        (older, at) => {
          const s = keyspace("r");
          const tomb: SharedEntry = {
            key: "k1",
            value: new Uint8Array(0),
            wall: at,
            logical: 9,
            writer: "z",
            tombstone: true,
          };
          s.merge([tomb], 100);
          s.merge(
            older.filter((e) => compareHlc(e, tomb) < 0),
            100,
          );
          expect(s.get("k1")).toBeUndefined();
        },
      ),
    );
  });

  it("never resurrects after collection either, from a node that was away longer than the grace", () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 5 }),
        (entries, awayGraces) => {
          const grace = 100;
          const x = keyspace("x", grace);
          const peer = keyspace("p", grace);
          x.merge(entries, 60);
          peer.merge(entries, 60);
          x.observe(60, true);
          peer.observe(60, true);
          // The cluster deletes every key x holds, then collects the tombstones.
          for (const [key] of peer.entries()) peer.delete(key, 61);
          const back = 61 + grace * (awayGraces + 1);
          peer.collect(back);
          peer.observe(back, true);
          x.observe(back, true);
          const fromPeer = peer.delta(Number.POSITIVE_INFINITY);
          x.merge(fromPeer.entries, back, fromPeer.complete ? "complete" : "answer");
          // Whatever x sends now, the peer keeps nothing x held before it went away.
          peer.merge(x.delta(Number.POSITIVE_INFINITY).entries, back);
          expect(peer.entries()).toEqual([]);
          expect(x.entries()).toEqual([]);
        },
      ),
    );
  });
});
