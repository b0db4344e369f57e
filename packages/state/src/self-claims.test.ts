import { describe, expect, it } from "vitest";
import { seeded as seededRng } from "../test/helpers.js";
import { ClusterState } from "./cluster-state.js";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function pair() {
  const a = new ClusterState({ self: "a", generation: 5, rng: seededRng(1) });
  const b = new ClusterState({ self: "b", generation: 1, rng: seededRng(2) });
  return { a, b };
}

describe("claims about our own state", () => {
  it("our own deltas echoed back (current or stale) are not claims", () => {
    const { a } = pair();
    a.set("k", bytes("1"), 0);
    const first = a.localDelta(0, 10_000)!;
    a.set("k", bytes("2"), 1);
    a.set("j", bytes("3"), 2);
    const whole = a.localDelta(0, 10_000)!;
    a.apply([first, whole], 3);
    expect(a.takeRefuted()).toBe(false);
    expect(a.generation).toBe(5);
    expect(a.counters.rejected.self).toBe(2);
    expect(Object.values(a.counters.selfRefutations).every((n) => n === 0)).toBe(true);
  });

  it("a higher generation, a higher version, a reset beyond ours and a value we never wrote are refuted", () => {
    const { a } = pair();
    a.set("k", bytes("1"), 0);
    const base = a.localDelta(0, 10_000)!;
    const claims = [
      { ...base, generation: 9 },
      { ...base, maxVersion: 4 },
      { ...base, reset: true, maxVersion: 3 },
      { ...base, entries: [{ ...base.entries[0]!, value: bytes("forged") }] },
    ];
    let generation = a.generation;
    for (const claim of claims) {
      a.apply([{ ...claim, generation: Math.max(claim.generation, a.generation) }], 1);
      expect(a.takeRefuted()).toBe(true);
      expect(a.generation).toBeGreaterThan(generation);
      generation = a.generation;
    }
    expect(a.counters.selfRefutations).toEqual({ generation: 1, version: 1, reset: 1, entry: 1 });
    // The keys survive, in the new generation, and the announcement replaces a peer's view.
    expect(a.get("a", "k")?.value).toEqual(bytes("1"));
    const announcement = a.announcement(10_000)!;
    expect(announcement.generation).toBe(a.generation);
    expect(announcement.fromVersion).toBe(0);
  });

  it("a digest that says a peer holds more of us than we wrote is refuted; one that holds less is not", () => {
    const { a, b } = pair();
    a.set("k", bytes("1"), 0);
    b.apply([a.localDelta(0, 10_000)!], 0);
    a.deltaFor(b.digest(10_000).entries, true, 10_000);
    expect(a.takeRefuted()).toBe(false);
    a.deltaFor([{ owner: "a", generation: 5, maxVersion: 7 }], false, 10_000);
    expect(a.takeRefuted()).toBe(true);
    expect(a.generation).toBe(6);
  });

  it("generations at or above 2^52 are malformed everywhere (a claim must stay outbiddable)", () => {
    const { a, b } = pair();
    a.set("k", bytes("1"), 0);
    const huge = { ...a.localDelta(0, 10_000)!, generation: 2 ** 52 };
    b.apply([huge], 0);
    expect(b.counters.rejected.malformed).toBe(1);
    a.apply([huge], 0);
    expect(a.takeRefuted()).toBe(false);
  });
});
