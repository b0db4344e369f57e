/**
 * Properties of the merge verdicts (SWIM §4.2 ordering, with generations for restarts): which
 * claims about a member override what we hold, over every status and every comparison of
 * incarnations and generations.
 */
import type { MemberStatus } from "@grapevine/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aliveVerdict, deadVerdict, type HeldState, suspectVerdict } from "../src/index.js";

const STATUSES: readonly MemberStatus[] = ["alive", "suspect", "dead", "left"];

/** Small ranges, so that equal incarnations and generations come up often. */
const incarnation = fc.bigInt({ min: 0n, max: 4n });
const generation = fc.integer({ min: 0, max: 2 });
const addresses = fc.constantFrom(["udp://a"], ["udp://b"], ["udp://a", "ws://a"]);
const status = fc.constantFrom(...STATUSES);
const held: fc.Arbitrary<HeldState> = fc.record({ status, incarnation, generation, addresses });

/** A claim about a member, as the three message types make it. */
type Claim =
  | {
      readonly type: "alive";
      readonly incarnation: bigint;
      readonly generation: number;
      readonly addresses: readonly string[];
    }
  | { readonly type: "suspect"; readonly incarnation: bigint }
  | { readonly type: "dead"; readonly incarnation: bigint; readonly graceful: boolean };

/** A `suspect` or a `dead`: a claim that a member is failing or gone. */
const accusation: fc.Arbitrary<Claim> = fc.oneof(
  fc.record({ type: fc.constant("suspect" as const), incarnation }),
  fc.record({ type: fc.constant("dead" as const), incarnation, graceful: fc.boolean() }),
);
const claim: fc.Arbitrary<Claim> = fc.oneof(
  fc.record({ type: fc.constant("alive" as const), incarnation, generation, addresses }),
  accusation,
);

/** The verdict on `c` given `h`, whatever the claim's type. */
function verdict(h: HeldState | undefined, c: Claim): string {
  switch (c.type) {
    case "alive":
      return aliveVerdict(h, c);
    case "suspect":
      return suspectVerdict(h, c.incarnation);
    case "dead":
      return deadVerdict(h, c.incarnation, c.graceful);
  }
}

/** Whether a verdict changes what is held (a Lifeguard confirmation does not). */
function accepted(v: string): boolean {
  return v !== "stale" && v !== "unknown" && v !== "confirm";
}

/** What we hold after acting on `c` the way the membership list does (see `membership.ts`). */
function after(h: HeldState | undefined, c: Claim): HeldState | undefined {
  const v = verdict(h, c);
  if (!accepted(v)) return h;
  if (c.type === "alive") {
    return {
      status: "alive",
      incarnation: c.incarnation,
      generation: c.generation,
      addresses: c.addresses,
    };
  }
  if (h === undefined) return h;
  return { ...h, status: v as MemberStatus, incarnation: c.incarnation };
}

/** Precedence of statuses at one incarnation (SWIM §4.2): dead overrides suspect overrides alive. */
// A leave outranks a failure at the same incarnation: a force-leave sent on behalf of a member
// declared dead turns it into `left`.
const RANK: Readonly<Record<MemberStatus, number>> = { alive: 0, suspect: 1, dead: 2, left: 3 };

const RUNS = { numRuns: 2000, seed: 14 };

describe("merge verdict properties", () => {
  it("is idempotent: a claim acted on, heard again, changes nothing", () => {
    fc.assert(
      fc.property(fc.option(held, { nil: undefined }), claim, (h, c) => {
        const once = after(h, c);
        expect(accepted(verdict(once, c))).toBe(false);
        expect(after(once, c)).toEqual(once);
      }),
      RUNS,
    );
  });

  it("an alive overrides exactly when (generation, incarnation) is newer, or a dead name is reclaimed", () => {
    fc.assert(
      fc.property(held, incarnation, generation, addresses, (h, inc, gen, addrs) => {
        const v = aliveVerdict(h, { incarnation: inc, generation: gen, addresses: addrs });
        const newer = gen > h.generation || (gen === h.generation && inc > h.incarnation);
        const moved = addrs.join(" ") !== h.addresses.join(" ");
        const reclaim =
          !newer && gen === h.generation && (h.status === "dead" || h.status === "left") && moved;
        expect(accepted(v)).toBe(newer || reclaim);
        if (gen > h.generation) expect(v).toBe("restart");
        if (gen < h.generation) expect(v).toBe("stale");
      }),
      RUNS,
    );
  });

  it("within a generation, a lower incarnation never changes a known member", () => {
    fc.assert(
      fc.property(held, claim, (known, c) => {
        const h = { ...known, incarnation: known.incarnation + 1n };
        const lower = h.incarnation - 1n - (c.incarnation % h.incarnation);
        const older =
          c.type === "alive"
            ? { ...c, incarnation: lower, generation: h.generation, addresses: h.addresses }
            : { ...c, incarnation: lower };
        expect(accepted(verdict(h, older))).toBe(false);
      }),
      RUNS,
    );
  });

  it("at equal incarnation, a claim overrides only a status of lower precedence", () => {
    fc.assert(
      fc.property(held, claim, (h, c) => {
        const equal =
          c.type === "alive"
            ? { ...c, incarnation: h.incarnation, generation: h.generation, addresses: h.addresses }
            : { ...c, incarnation: h.incarnation };
        const claimed: MemberStatus = c.type === "dead" ? (c.graceful ? "left" : "dead") : c.type;
        expect(accepted(verdict(h, equal))).toBe(
          h.status !== "left" && RANK[claimed] > RANK[h.status],
        );
      }),
      RUNS,
    );
  });

  it("is monotonic: a claim that overrides at one incarnation overrides at any higher one", () => {
    fc.assert(
      fc.property(held, claim, fc.bigInt({ min: 1n, max: 3n }), (h, any, raise) => {
        // Claims at or above the incarnation (and generation) held: the ones that may override.
        const atLeast = { ...any, incarnation: h.incarnation + (any.incarnation % 3n) };
        const c =
          atLeast.type === "alive"
            ? { ...atLeast, generation: Math.max(atLeast.generation, h.generation) }
            : atLeast;
        fc.pre(accepted(verdict(h, c)));
        // An alive that reclaims a dead name is accepted for its new addresses, not its incarnation.
        fc.pre(!(c.type === "alive" && aliveVerdict(h, c) === "reclaim"));
        expect(accepted(verdict(h, { ...c, incarnation: c.incarnation + raise }))).toBe(true);
      }),
      RUNS,
    );
  });

  it("a leave is final: only an alive (a new life or a higher incarnation) brings the member back", () => {
    fc.assert(
      fc.property(held, accusation, (h, c) => {
        expect(accepted(verdict({ ...h, status: "left" }, c))).toBe(false);
      }),
      RUNS,
    );
  });

  it("only the member itself makes a member left; others make it dead", () => {
    fc.assert(
      fc.property(held, incarnation, fc.boolean(), (h, inc, graceful) => {
        const v = deadVerdict(h, inc, graceful);
        if (v === "left") expect(graceful).toBe(true);
        if (v === "dead") expect(graceful).toBe(false);
      }),
      RUNS,
    );
  });

  it("learns unknown members only from an alive", () => {
    fc.assert(
      fc.property(claim, (c) => {
        expect(verdict(undefined, c)).toBe(c.type === "alive" ? "new" : "unknown");
      }),
      RUNS,
    );
  });
});
