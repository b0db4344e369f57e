import { seededRng } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import { MemberSampler } from "./member-sampler.js";

function sampler(...names: string[]): MemberSampler {
  const s = new MemberSampler();
  for (const n of names) s.add(n);
  return s;
}

describe("MemberSampler", () => {
  it("adds, removes and reports membership; adding twice or removing a stranger is harmless", () => {
    const s = sampler("a", "b", "c");
    s.add("b");
    expect(s.size).toBe(3);
    s.remove("zz");
    expect(s.size).toBe(3);
    s.remove("a");
    expect(s.size).toBe(2);
    expect(s.has("a")).toBe(false);
    expect(s.has("b")).toBe(true);
    expect(s.has("c")).toBe(true);
    s.remove("c");
    s.remove("b");
    expect(s.size).toBe(0);
    s.add("a");
    expect(s.has("a")).toBe(true);
  });

  it("stays consistent through removals from the middle, the end and the front", () => {
    const s = sampler("a", "b", "c", "d", "e");
    s.remove("c");
    s.remove("e");
    s.remove("a");
    const got = s.sample(10, seededRng(1), () => true);
    expect(got.sort()).toEqual(["b", "d"]);
  });

  it("returns distinct names that pass `accept`, at most `count`", () => {
    const s = sampler("a", "b", "c", "d", "e", "f");
    const got = s.sample(3, seededRng(2), (n) => n !== "a");
    expect(got).toHaveLength(3);
    expect(new Set(got).size).toBe(3);
    expect(got).not.toContain("a");
  });

  it("returns everyone acceptable when fewer than `count` are, and nothing from an empty set", () => {
    expect(new MemberSampler().sample(3, seededRng(3), () => true)).toEqual([]);
    const s = sampler("a", "b");
    expect(s.sample(5, seededRng(3), () => true).sort()).toEqual(["a", "b"]);
  });

  it('drops names `accept` answers "remove" for, and never returns them', () => {
    const s = sampler("a", "b", "c", "d");
    const got = s.sample(4, seededRng(4), (n) => (n === "b" || n === "d" ? "remove" : true));
    expect(got.sort()).toEqual(["a", "c"]);
    expect(s.has("b")).toBe(false);
    expect(s.has("d")).toBe(false);
    expect(s.size).toBe(2);
  });

  it("gives up after 3·count draws, so a set of mostly rejected names cannot stall a round", () => {
    const s = sampler(...Array.from({ length: 100 }, (_, i) => `n${i}`));
    let asked = 0;
    const got = s.sample(2, seededRng(5), () => {
      asked += 1;
      return false;
    });
    expect(got).toEqual([]);
    expect(asked).toBeLessThanOrEqual(6);
  });

  it("draws uniformly: every member about equally often over many rounds", () => {
    const names = ["a", "b", "c", "d", "e"];
    const s = sampler(...names);
    const rng = seededRng(6);
    const hits = new Map(names.map((n) => [n, 0]));
    const rounds = 5000;
    for (let i = 0; i < rounds; i++) {
      for (const n of s.sample(1, rng, () => true)) hits.set(n, hits.get(n)! + 1);
    }
    for (const n of names) {
      // Expected 1000 each; ±15 % is many standard deviations (≈ 28) wide.
      expect(hits.get(n), n).toBeGreaterThan(850);
      expect(hits.get(n), n).toBeLessThan(1150);
    }
  });

  it("is reproducible: the same seed picks the same names", () => {
    const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
    const pick = () => sampler(...names).sample(5, seededRng(7), () => true);
    expect(pick()).toEqual(pick());
  });
});
