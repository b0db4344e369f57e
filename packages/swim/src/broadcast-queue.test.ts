import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BroadcastQueue } from "./broadcast-queue.js";

const size1 = (): number => 1;

describe("BroadcastQueue", () => {
  it("rejects a non-positive limit", () => {
    expect(() => new BroadcastQueue({ limit: 0 })).toThrow(RangeError);
  });

  it("a newer item under the same key supersedes the older one and resets its count", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    q.enqueue("m1", "alive@1");
    expect(q.select(10, size1, 5)).toEqual(["alive@1"]);
    expect(q.transmits("m1")).toBe(1);
    q.enqueue("m1", "suspect@1");
    expect(q.size).toBe(1);
    expect(q.transmits("m1")).toBe(0);
    expect(q.select(10, size1, 5)).toEqual(["suspect@1"]);
  });

  it("sends least-sent first: unsent newest first, equally-sent longest-waiting first", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    q.enqueue("a", "a");
    q.enqueue("b", "b");
    expect(q.select(1, size1, 5)).toEqual(["b"]);
    q.enqueue("c", "c");
    expect(q.select(2, size1, 5)).toEqual(["c", "a"]);
    expect(q.select(3, size1, 5)).toEqual(["b", "c", "a"]);
  });

  it("drops an item once it has been sent retransmitLimit times", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    q.enqueue("a", "a");
    for (let i = 0; i < 3; i++) expect(q.select(10, size1, 3)).toEqual(["a"]);
    expect(q.size).toBe(0);
    expect(q.select(10, size1, 3)).toEqual([]);
  });

  it("drops items over a limit that has shrunk since", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    q.enqueue("a", "a");
    q.select(10, size1, 8);
    q.select(10, size1, 8);
    expect(q.select(10, size1, 2)).toEqual([]);
    expect(q.size).toBe(0);
  });

  it("only takes what fits in the budget, skipping items too large", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    q.enqueue("small", "s");
    q.enqueue("big", "bbbbbbbbbb");
    q.enqueue("medium", "mmmm");
    const picked = q.select(6, (s) => s.length, 5);
    expect(picked).toEqual(["mmmm", "s"]);
    expect(q.select(0, (s) => s.length, 5)).toEqual([]);
  });

  it("counts per-item overhead against the budget", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    for (const k of ["a", "b", "c"]) q.enqueue(k, k);
    expect(q.select(6, size1, 5, 2)).toHaveLength(2);
  });

  it("when full, drops the most-sent (then oldest) item to admit a new key", () => {
    const q = new BroadcastQueue<string>({ limit: 3 });
    q.enqueue("a", "a");
    q.enqueue("b", "b");
    q.select(1, size1, 10); // b sent once
    q.enqueue("c", "c");
    q.enqueue("d", "d"); // full: b (most sent) goes
    expect(q.get("b")).toBeUndefined();
    expect(q.dropped).toBe(1);
    q.enqueue("e", "e"); // all unsent now: the oldest, a, goes
    expect(q.get("a")).toBeUndefined();
    expect(q.size).toBe(3);
    expect(q.dropped).toBe(2);
    q.enqueue("c", "c2"); // superseding never drops
    expect(q.dropped).toBe(2);
  });

  it("delete and clear", () => {
    const q = new BroadcastQueue<string>({ limit: 3 });
    q.enqueue("a", "a");
    q.enqueue("b", "b");
    expect(q.delete("a")).toBe(true);
    expect(q.delete("a")).toBe(false);
    expect(q.select(10, size1, 5)).toEqual(["b"]);
    q.clear();
    expect(q.size).toBe(0);
  });

  it("never sends an item more than its limit, and always least-sent first (property)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("enqueue" as const), key: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant("select" as const), budget: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 12 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 150 }),
        fc.integer({ min: 1, max: 5 }),
        (ops, limit) => {
          const q = new BroadcastQueue<string>({ limit: 8 });
          const sent = new Map<string, number>();
          const model = new Map<string, number>();
          let version = 0;
          for (const o of ops) {
            if (o.kind === "enqueue") {
              const item = `${o.key}#${version++}`;
              q.enqueue(String(o.key), item);
              model.set(String(o.key), 0);
            } else if (o.kind === "delete") {
              q.delete(String(o.key));
              model.delete(String(o.key));
            } else {
              const before = [...model.entries()]
                .filter(([k]) => q.get(k) !== undefined)
                .map(([, n]) => n);
              const picked = q.select(o.budget, size1, limit);
              expect(picked.length).toBeLessThanOrEqual(o.budget);
              const pickedCounts: number[] = [];
              for (const item of picked) {
                const n = (sent.get(item) ?? 0) + 1;
                sent.set(item, n);
                expect(n).toBeLessThanOrEqual(limit);
                const key = item.split("#")[0]!;
                pickedCounts.push(model.get(key) ?? 0);
                model.set(key, (model.get(key) ?? 0) + 1);
              }
              // Nothing left behind was sent fewer times than something picked.
              if (picked.length === o.budget && picked.length > 0) {
                const maxPicked = Math.max(...pickedCounts);
                const pickedSorted = [...before].sort((a, b) => a - b).slice(0, picked.length);
                expect(maxPicked).toBe(pickedSorted[pickedSorted.length - 1]);
              }
              for (const [k, n] of model) if (n >= limit) model.delete(k);
            }
          }
        },
      ),
    );
  });
});

describe("BroadcastQueue recipients", () => {
  const one = () => 1;

  it("sends an item to each peer once before any peer gets it twice, then repeats to the limit", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    q.enqueue("k", "news");
    const peers = ["p1", "p2", "p3"];
    const got: string[] = [];
    // Random-looking targets that repeat: p1 twice before p3 is ever asked.
    for (const to of ["p1", "p1", "p2", "p1", "p3", "p1", "p2"]) {
      if (q.select(10, one, 5, 0, undefined, { to, peers: peers.length }).length > 0) got.push(to);
    }
    // The second and third p1 were skipped (p2 or p3 had not had it yet); once all three had,
    // repeats are allowed, and the limit (5) ends it.
    expect(got).toEqual(["p1", "p2", "p3", "p1", "p2"]);
    expect(q.size).toBe(0);
  });

  it("a skipped item keeps its place and is not counted; other items still fill the packet", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    q.enqueue("a", "A");
    expect(q.select(10, one, 3, 0, undefined, { to: "p1", peers: 2 })).toEqual(["A"]);
    q.enqueue("b", "B");
    expect(q.select(10, one, 3, 0, undefined, { to: "p1", peers: 2 })).toEqual(["B"]);
    expect(q.transmits("a")).toBe(1);
    expect(q.select(10, one, 3, 0, undefined, { to: "p2", peers: 2 })).toEqual(["A", "B"]);
  });

  it("a free copy (to a member that is not a peer) is neither counted nor recorded", () => {
    const q = new BroadcastQueue<string>({ limit: 10 });
    q.enqueue("k", "news");
    for (let i = 0; i < 5; i++) {
      expect(q.select(10, one, 2, 0, undefined, { to: "dead", peers: 2, free: true })).toEqual([
        "news",
      ]);
    }
    expect(q.transmits("k")).toBe(0);
    expect(q.select(10, one, 2, 0, undefined, { to: "p1", peers: 2 })).toEqual(["news"]);
    expect(q.select(10, one, 2, 0, undefined, { to: "p1", peers: 2 })).toEqual([]);
    expect(q.select(10, one, 2, 0, undefined, { to: "p2", peers: 2 })).toEqual(["news"]);
    expect(q.size).toBe(0);
  });
});
