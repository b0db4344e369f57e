import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ClusterEvent, MemberEventType } from "../src/events.js";
import { CoreNet, nodeNames } from "./harness.js";

type Action =
  | { kind: "write"; node: number; key: string; value: string }
  | { kind: "delete"; node: number; key: string }
  | { kind: "deliver" | "drop" | "duplicate"; index: number }
  | { kind: "advance"; ms: number };

const key = fc.constantFrom("a", "b", "c/d");
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("write" as const),
    node: fc.nat(),
    key,
    value: fc.string({ maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), node: fc.nat(), key }),
  fc.record({
    kind: fc.constantFrom("deliver" as const, "drop" as const, "duplicate" as const),
    index: fc.nat(),
  }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 1_500 }) }),
);

/** Which membership event may follow which, per observer and member (SWIM's state machine). */
const MAY_FOLLOW: Record<MemberEventType, ReadonlyArray<MemberEventType | "none">> = {
  "member-joined": ["none", "member-dead", "member-left"],
  "member-updated": ["member-joined", "member-updated", "member-alive", "member-suspect"],
  "member-suspect": ["member-joined", "member-updated", "member-alive"],
  "member-alive": ["member-suspect"],
  "member-dead": ["member-joined", "member-updated", "member-alive", "member-suspect"],
  "member-left": [
    "member-joined",
    "member-updated",
    "member-alive",
    "member-suspect",
    "member-dead",
  ],
};

function checkCausalOrder(observer: string, events: readonly ClusterEvent[]): void {
  const lastMember = new Map<string, MemberEventType>();
  const lastVersion = new Map<string, number>();
  let health = "healthy";
  for (const e of events) {
    if (e.type === "health-changed") {
      expect(e.previous, `${observer}: health ${health} → ${e.state}`).toBe(health);
      health = e.state;
      continue;
    }
    if (e.type === "key-changed") {
      const k = `${e.owner}\u0000${e.key}`;
      expect(e.version, `${observer}: ${e.owner}/${e.key} versions rise`).toBeGreaterThan(
        lastVersion.get(k) ?? 0,
      );
      lastVersion.set(k, e.version);
    } else if (e.type !== "user-message" && e.type !== "shared-changed") {
      const before = lastMember.get(e.member.name) ?? "none";
      expect(
        MAY_FOLLOW[e.type],
        `${observer}: ${before} → ${e.type} of ${e.member.name}`,
      ).toContain(before);
      lastMember.set(e.member.name, e.type);
    }
  }
}

describe("the node core's step function (any interleaving, then fair delivery)", () => {
  it("2–5 cores converge: one membership, every owner's last writes everywhere; events in causal order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(action, { maxLength: 60 }),
        (count, seed, actions) => {
          const names = nodeNames(count);
          const net = new CoreNet(names, seed);
          net.joinThrough("n0", names.slice(1));
          const written = new Map<string, string | undefined>();
          for (const a of actions) {
            switch (a.kind) {
              case "write": {
                const n = names[a.node % count]!;
                net.step(n, (now, c) => c.set(a.key, new TextEncoder().encode(a.value), now));
                written.set(`${n}\u0000${a.key}`, a.value);
                break;
              }
              case "delete": {
                const n = names[a.node % count]!;
                net.step(n, (now, c) => c.delete(a.key, now));
                written.set(`${n}\u0000${a.key}`, undefined);
                break;
              }
              case "advance":
                net.now += a.ms;
                net.tickDue();
                break;
              default: {
                if (net.inFlight.length === 0) break;
                const i = a.index % net.inFlight.length;
                const m = net.inFlight[i]!;
                if (a.kind !== "duplicate") net.inFlight.splice(i, 1);
                if (a.kind !== "drop") net.deliver(m);
              }
            }
          }
          net.runFair(120_000);
          for (const [observer, core] of net.cores) {
            expect(core.aliveCount(), `${observer} sees everyone alive`).toBe(count);
            for (const [k, value] of written) {
              const [owner, name] = k.split("\u0000") as [string, string];
              const held = core.store.get(owner, name)?.value;
              expect(
                held && new TextDecoder().decode(held),
                `${observer} holds ${owner}/${name}`,
              ).toBe(value);
            }
            checkCausalOrder(observer, net.observed.get(observer)!.events);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("join() from inside an event handler works: its join-done reports the seed that answered", () => {
    const net = new CoreNet(["a", "b", "c"], 3);
    const tokens: number[] = [];
    net.onEvents = (name, events) => {
      if (name !== "a") return;
      for (const e of events) {
        if (e.type === "member-joined" && e.member.name === "b" && tokens.length === 1) {
          net.step("a", (now, core) => tokens.push(core.join(["mem://c"], now)));
        }
      }
    };
    net.step("a", (now, core) => tokens.push(core.join(["mem://b"], now)));
    net.runFair(5_000);
    expect(tokens).toHaveLength(2);
    const joins = net.observed.get("a")!.joins;
    expect(joins.get(tokens[0]!)).toBe(1);
    expect(joins.get(tokens[1]!)).toBe(1);
    expect(net.core("a").member("c")?.status).toBe("alive");
  });

  it("a join with no reachable seed reports 0 at its timeout; a leave reports done", () => {
    const net = new CoreNet(["a", "b"], 5);
    let token = 0;
    net.step("a", (now, core) => {
      token = core.join(["mem://nobody"], now, 2_000);
    });
    // The request to nobody is never answered.
    net.inFlight.length = 0;
    net.now += 2_000;
    net.tickDue();
    expect(net.observed.get("a")!.joins.get(token)).toBe(0);
    net.step("a", (now, core) => core.join(["mem://b"], now));
    net.runFair(2_000);
    net.step("a", (now, core) => core.leave(now));
    net.runFair(5_000);
    expect(net.observed.get("a")!.leaves).toBe(1);
    expect(net.core("b").member("a")?.status).toBe("left");
  });
});
