import { describe, expect, it } from "vitest";
import { bytes, node, text, view } from "../test/helpers.js";
import type { StateChange } from "./changes.js";
import { ClusterState } from "./cluster-state.js";
import { ownerDeltaSize } from "./size.js";

const summary = (c: StateChange | null) =>
  c === null
    ? null
    : {
        key: c.key,
        previous: text(c.previous?.value),
        current: text(c.current?.value),
        version: c.version,
      };

describe("local writes and reads", () => {
  it("sets, reads, overwrites and deletes with increasing versions", () => {
    const a = node("a");
    expect(summary(a.set("x", bytes("1"), 0))).toEqual({
      key: "x",
      previous: undefined,
      current: "1",
      version: 1,
    });
    expect(a.set("x", bytes("1"), 0)).toBeNull();
    expect(summary(a.set("x", bytes("2"), 0))).toEqual({
      key: "x",
      previous: "1",
      current: "2",
      version: 2,
    });
    expect(text(a.get("a", "x")?.value)).toBe("2");
    expect(a.get("a", "x")?.version).toBe(2);
    expect(summary(a.delete("x", 0))).toEqual({
      key: "x",
      previous: "2",
      current: undefined,
      version: 3,
    });
    expect(a.delete("x", 0)).toBeNull();
    expect(a.get("a", "x")).toBeUndefined();
    expect(a.version).toBe(3);
    expect(summary(a.set("x", bytes("3"), 0))?.previous).toBeUndefined();
  });

  it("copies the bytes it is given", () => {
    const a = node("a");
    const value = bytes("abc");
    a.set("k", value, 0);
    value[0] = 0;
    expect(text(a.get("a", "k")?.value)).toBe("abc");
  });

  it("lists entries and keys by prefix across owners", () => {
    const a = node("a");
    const b = node("b");
    a.set("svc/http", bytes("80"), 0);
    a.set("svc/grpc", bytes("90"), 0);
    a.set("role", bytes("db"), 0);
    b.set("svc/http", bytes("8080"), 0);
    a.apply([b.localDelta(0, 1400)!], 0);
    expect(a.entries("a").map((e) => e.key)).toEqual(["svc/http", "svc/grpc", "role"]);
    expect(a.entries("nobody")).toEqual([]);
    const all = a.byPrefix("svc/").map((e) => `${e.owner}:${e.key}=${text(e.value)}`);
    expect(all.sort()).toEqual(["a:svc/grpc=90", "a:svc/http=80", "b:svc/http=8080"]);
    expect(a.byPrefix("svc/", "b").map((e) => e.key)).toEqual(["svc/http"]);
    expect(a.owners().map((o) => [o.owner, o.keys])).toEqual([
      ["a", 3],
      ["b", 1],
    ]);
  });

  it("refuses local keys and values over the limits", () => {
    const a = node("a", { limits: { maxKeyBytes: 4, maxValueBytes: 8 } });
    expect(() => a.set("12345", bytes("v"), 0)).toThrow(RangeError);
    expect(() => a.set("é€", bytes("v"), 0)).toThrow(RangeError); // 5 UTF-8 bytes
    expect(() => a.set("k", new Uint8Array(9), 0)).toThrow(RangeError);
    expect(a.set("k", new Uint8Array(8), 0)).not.toBeNull();
  });

  it("raises its heartbeat and carries it in its deltas", () => {
    const a = node("a");
    a.set("k", bytes("v"), 0);
    a.heartbeat();
    expect(a.heartbeat()).toBe(2);
    const b = node("b");
    b.apply([a.localDelta(0, 1400)!], 0);
    expect(b.owner("a")?.heartbeat).toBe(2);
  });
});

describe("localDelta (piggy-backed updates)", () => {
  it("builds the latest change alone, or everything after a version, as a prefix", () => {
    const a = node("a");
    for (let i = 0; i < 50; i++) a.set(`key-${i % 10}`, bytes(`value-${i}`), 0);
    const latest = a.localDelta(a.version - 1, 1400)!;
    expect(latest.entries.map((e) => e.version)).toEqual([50]);
    expect(latest).toMatchObject({ owner: "a", fromVersion: 49, maxVersion: 50, reset: false });
    const all = a.localDelta(0, 100_000)!;
    expect(all.entries.map((e) => e.version)).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);
    expect(all.maxVersion).toBe(50);
    const small = a.localDelta(0, 120)!;
    expect(ownerDeltaSize(small)).toBeLessThanOrEqual(120);
    expect(small.entries.length).toBeGreaterThan(0);
    expect(small.entries.length).toBeLessThan(10);
    expect(small.maxVersion).toBe(small.entries.at(-1)!.version);
    expect(a.localDelta(50, 1400)).toBeNull();
    expect(a.localDelta(0, 10)).toBeNull();
  });

  it("lets a receiver apply a latest change only on top of its predecessors", () => {
    const a = node("a");
    const b = node("b");
    a.set("x", bytes("1"), 0);
    const first = a.localDelta(0, 1400)!;
    a.set("y", bytes("2"), 0);
    const second = a.localDelta(a.version - 1, 1400)!;
    expect(b.apply([second], 0)).toMatchObject({ gaps: ["a"], rejected: [] });
    expect(b.counters.gaps).toBe(1);
    expect(b.apply([first, second], 0).changes.map((c) => c.key)).toEqual(["x", "y"]);
    expect(view(b, "a")).toBe(view(a, "a"));
  });
});

describe("snapshot and restore", () => {
  it("re-issues saved keys at versions that win, across a generation change", () => {
    const before = node("a", { generation: 1 });
    before.set("x", bytes("1"), 0);
    before.set("y", bytes("2"), 0);
    before.set("x", bytes("3"), 0);
    before.delete("y", 0);
    const saved = before.snapshot();
    expect(saved).toMatchObject({ owner: "a", generation: 1, maxVersion: 4 });
    expect(saved.entries.map((e) => [e.key, e.version, e.tombstone])).toEqual([
      ["x", 3, false],
      ["y", 4, true],
    ]);

    const peer = node("p");
    peer.apply([before.localDelta(0, 1400)!], 0);

    const after = new ClusterState({ self: "a", generation: 2, rng: { next: () => 0.5 } });
    after.set("z", bytes("new"), 0);
    const changes = after.restore(saved, 0);
    expect(changes.map((c) => c.key)).toEqual(["x"]);
    expect(after.get("a", "x")?.version).toBeGreaterThan(4);
    expect(text(after.get("a", "z")?.value)).toBe("new");
    expect(after.get("a", "y")).toBeUndefined();

    peer.apply(after.deltaFor(peer.digest(1400).entries, true, 1400), 0);
    expect(view(peer, "a")).toBe(view(after, "a"));
  });

  it("restores tombstones within the same generation so peers drop the keys", () => {
    const before = node("a");
    before.set("y", bytes("2"), 0);
    const peer = node("p");
    peer.apply([before.localDelta(0, 1400)!], 0);
    before.delete("y", 0);
    const after = node("a");
    after.restore(before.snapshot(), 0);
    expect(after.version).toBe(3);
    peer.apply(after.deltaFor(peer.digest(1400).entries, true, 1400), 0);
    expect(peer.get("a", "y")).toBeUndefined();
    expect(() => node("b").restore(before.snapshot(), 0)).toThrow(RangeError);
  });

  it("resets peers below the snapshot within the same generation (collected tombstones)", () => {
    const before = node("a", { tombstoneGraceMs: 10 });
    before.set("x", bytes("1"), 0);
    before.set("y", bytes("2"), 0);
    const peer = node("p");
    peer.apply([before.localDelta(0, 1400)!], 0); // holds x and y at a@2
    before.delete("x", 0);
    before.tick(10); // the x tombstone is collected: no snapshot will carry it
    const after = node("a");
    after.restore(before.snapshot(), 20);
    const deltas = after.deltaFor(peer.digest(1400).entries, true, 1400);
    expect(deltas.find((d) => d.owner === "a")?.reset).toBe(true);
    peer.apply(deltas, 20);
    expect(peer.get("a", "x")).toBeUndefined();
    expect(view(peer, "a")).toBe(view(after, "a"));
  });

  it("refuses an empty name or a bad generation", () => {
    expect(() => node("")).toThrow(RangeError);
    expect(() => node("a", { generation: -1 })).toThrow(RangeError);
  });
});
