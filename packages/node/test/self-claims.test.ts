import { encodePacket, type OwnerDelta } from "@grapevine/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CoreNet, nodeNames } from "./harness.js";

const text = new TextEncoder();

type Forgery = "generation" | "version" | "reset" | "tombstone" | "empty-reset";

/** A forged `state-delta` about `owner`, built from what `victim` holds of it. */
function forge(net: CoreNet, owner: string, kind: Forgery, bump: number): Uint8Array {
  const real = net.core(owner).store;
  const generation = real.generation;
  const max = real.version;
  let delta: OwnerDelta;
  switch (kind) {
    case "generation":
    case "empty-reset":
      delta = {
        owner,
        generation: generation + bump,
        fromVersion: 0,
        reset: true,
        heartbeat: 0,
        maxVersion: kind === "empty-reset" ? 0 : 1,
        entries:
          kind === "empty-reset"
            ? []
            : [{ key: "forged", value: text.encode("x"), version: 1, tombstone: false }],
      };
      break;
    case "version":
      delta = {
        owner,
        generation,
        fromVersion: max,
        reset: false,
        heartbeat: 0,
        maxVersion: max + bump,
        entries: [
          { key: "a", value: text.encode("forged"), version: max + bump, tombstone: false },
        ],
      };
      break;
    case "reset":
      delta = {
        owner,
        generation,
        fromVersion: 0,
        reset: true,
        heartbeat: 0,
        maxVersion: max + bump,
        entries: [],
      };
      break;
    case "tombstone":
      delta = {
        owner,
        generation,
        fromVersion: Math.max(0, max - 1),
        reset: false,
        heartbeat: 0,
        maxVersion: max + 1,
        entries: [{ key: "a", value: new Uint8Array(0), version: max + 1, tombstone: true }],
      };
      break;
  }
  return encodePacket([{ type: "state-delta", delta: [delta] }]);
}

function viewOf(net: CoreNet, observer: string, owner: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of net.core(observer).store.entries(owner)) {
    out[e.key] = new TextDecoder().decode(e.value);
  }
  return out;
}

type Action =
  | { kind: "write"; key: string; value: string }
  | { kind: "forge"; forgery: Forgery; bump: number; to: number }
  | { kind: "deliver" | "drop"; index: number }
  | { kind: "advance"; ms: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("write" as const),
    key: fc.constantFrom("a", "b"),
    value: fc.string({ maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant("forge" as const),
    forgery: fc.constantFrom<Forgery>("generation", "version", "reset", "tombstone", "empty-reset"),
    bump: fc.integer({ min: 1, max: 1_000 }),
    to: fc.nat(),
  }),
  fc.record({ kind: fc.constantFrom("deliver" as const, "drop" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 800 }) }),
);

describe("a node defends its own state (refutes claims it did not make)", () => {
  it("for any forged or stale deltas interleaved with the owner's writes, every node converges to the owner's last writes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 4 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(action, { maxLength: 40 }),
        (count, seed, actions) => {
          const names = nodeNames(count);
          const net = new CoreNet(names, seed);
          net.joinThrough("n0", names.slice(1));
          net.runFair(2_000);
          for (const a of actions) {
            if (a.kind === "write") {
              net.step("n0", (now, c) => c.set(a.key, text.encode(a.value), now));
            } else if (a.kind === "forge") {
              const to = names[1 + (a.to % (count - 1))]!;
              const bytes = forge(net, "n0", a.forgery, a.bump);
              net.inFlight.push({ kind: "datagram", from: "mallory", to, bytes });
            } else if (a.kind === "advance") {
              net.now += a.ms;
              net.tickDue();
            } else if (net.inFlight.length > 0) {
              const i = a.index % net.inFlight.length;
              const m = net.inFlight.splice(i, 1)[0]!;
              if (a.kind === "deliver") net.deliver(m);
            }
          }
          // An acknowledged write after the attack must spread too.
          net.step("n0", (now, c) => c.set("after", text.encode("1"), now));
          net.runFair(90_000);
          const truth = viewOf(net, "n0", "n0");
          expect(truth.after).toBe("1");
          for (const n of names.slice(1)) expect(viewOf(net, n, "n0"), n).toEqual(truth);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a forged tombstone at a version the owner then uses for another key is found and refuted", () => {
    const net = new CoreNet(["n0", "n1", "n2"], 1);
    net.step("n1", (now, c) => c.join(["mem://n0"], now));
    net.step("n2", (now, c) => c.join(["mem://n0"], now));
    net.runFair(2_000);
    const forged = forge(net, "n0", "tombstone", 1);
    net.inFlight.push({ kind: "datagram", from: "mallory", to: "n1", bytes: forged });
    net.step("n0", (now, c) => c.set("b", text.encode(""), now));
    net.step("n0", (now, c) => c.set("a", text.encode(""), now));
    net.runFair(90_000);
    expect(viewOf(net, "n1", "n0")).toEqual({ a: "", b: "" });
    expect(net.core("n0").store.counters.selfRefutations.entry).toBeGreaterThan(0);
  });

  it("one forged reset at generation + 1 is refuted: writes made after it reach everyone", () => {
    const net = new CoreNet(["a", "b", "c"], 11);
    net.step("b", (now, c) => c.join(["mem://a"], now));
    net.step("c", (now, c) => c.join(["mem://a"], now));
    net.runFair(2_000);
    net.step("a", (now, c) => c.set("k", text.encode("1"), now));
    net.runFair(2_000);
    const forged = forge(net, "a", "empty-reset", 1);
    net.inFlight.push({ kind: "datagram", from: "mallory", to: "b", bytes: forged });
    net.runFair(100);
    net.step("a", (now, c) => c.set("k", text.encode("2"), now));
    net.runFair(10_000);
    for (const n of ["b", "c"]) expect(viewOf(net, n, "a")).toEqual({ k: "2" });
    expect(net.core("a").store.counters.selfRefutations.generation).toBeGreaterThan(0);
  });
});
