import { encodePacket, type Query } from "@grapevine/codec";
import { seededRng, swimConfig } from "@grapevine/swim";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NodeCore } from "../src/node-core.js";
import { passesQueryFilter } from "../src/query-filter.js";
import { RateLimiter } from "../src/rate-limiter.js";
import { memCoreOptions } from "./harness.js";

const RUNS = { numRuns: 300, seed: 19 };

describe("rate limit per origin (token bucket)", () => {
  it("admits at most burst + rate × elapsed from one origin, and never starves another", () => {
    const times = fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        times,
        (perSecond, burst, gaps) => {
          const limiter = new RateLimiter(perSecond, burst);
          let now = 0;
          let admitted = 0;
          for (const gap of gaps) {
            now += gap;
            if (limiter.admit("flood", now)) admitted += 1;
          }
          expect(admitted).toBeLessThanOrEqual(burst + Math.floor((now * perSecond) / 1000));
          // Another origin has its own bucket.
          expect(limiter.admit("quiet", now)).toBe(true);
        },
      ),
      RUNS,
    );
  });
  it("admits a steady sender at or below the rate every time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        (perSecond, count) => {
          const limiter = new RateLimiter(perSecond, 1);
          for (let i = 0; i < count; i++)
            expect(limiter.admit("a", (i * 1000) / perSecond)).toBe(true);
        },
      ),
      RUNS,
    );
  });
});

describe("query filters", () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
  const tags = fc.dictionary(name, fc.string({ maxLength: 12 }), { maxKeys: 4 });
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

  it("a name filter passes exactly the members it lists (none listed: every member)", () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 5 }), name, (names, self) => {
        expect(passesQueryFilter(names, [], self, {})).toBe(
          names.length === 0 || names.includes(self),
        );
      }),
      RUNS,
    );
  });
  it("a tag pattern must match the whole value; a missing tag or a bad pattern never matches", () => {
    fc.assert(
      fc.property(tags, name, fc.string({ minLength: 1, maxLength: 3 }), (held, tag, extra) => {
        const value = held[tag];
        const exact = [{ tag, pattern: literal(value ?? "x") }];
        expect(passesQueryFilter([], exact, "n", held)).toBe(value !== undefined);
        const longer = [{ tag, pattern: literal(`${value ?? ""}${extra}`) }];
        expect(passesQueryFilter([], longer, "n", held)).toBe(false);
        expect(passesQueryFilter([], [{ tag, pattern: "(" }], "n", held)).toBe(false);
      }),
      RUNS,
    );
  });
});

describe("query deduplication", () => {
  it("each query (origin, generation, id) reaches the application once, however often and in whatever order it arrives", () => {
    const delivery = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(delivery, fc.boolean(), (order, restarted) => {
        const core = new NodeCore({
          ...memCoreOptions("me", swimConfig("local", {}), seededRng(7)),
          queries: { rateBurst: 1000 },
        });
        core.start(0);
        const query = (i: number): Query => ({
          type: "query",
          id: i % 3,
          origin: i % 2 === 0 ? "a" : "b",
          generation: restarted && i >= 3 ? 2 : 1,
          originAddresses: ["mem://a"],
          name: "q",
          payload: new Uint8Array(0),
          filterNames: [],
          filterTags: [],
          timeoutMs: 5_000,
          requestAck: false,
          relayFactor: 0,
        });
        const key = (q: Query) => `${q.origin}/${q.generation}/${q.id}`;
        const requests: string[] = [];
        let now = 0;
        for (const i of order) {
          now += 10;
          core.handleDatagram("mem://a", encodePacket([query(i)]), now);
          for (const out of core.drain())
            if (out.kind === "query-request") requests.push(out.token);
        }
        expect(requests.length).toBe(new Set(order.map((i) => key(query(i)))).size);
        expect(new Set(requests).size).toBe(requests.length);
        expect(core.counters.queryDuplicates).toBe(order.length - requests.length);
      }),
      RUNS,
    );
  });
});
