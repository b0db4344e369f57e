import { encodePacket, envelopeOverhead, type Message, messageSize } from "@grapevine/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DigestEntry,
  deltaSize,
  digestSize,
  framingGrowth,
  type OwnerDelta,
} from "../src/index.js";
import { ENTRY_BUDGET, node, ownerName, syntheticDelta } from "./helpers.js";

const safe = fc.oneof(fc.nat(300), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const name = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 });
const digestEntry: fc.Arbitrary<DigestEntry> = fc.record({
  owner: name,
  generation: safe,
  maxVersion: safe,
});
const ownerDelta: fc.Arbitrary<OwnerDelta> = fc.record({
  owner: name,
  generation: safe,
  fromVersion: safe,
  reset: fc.boolean(),
  heartbeat: safe,
  maxVersion: safe,
  entries: fc.array(
    fc.record({
      key: fc.string({ unit: "grapheme", maxLength: 40 }),
      value: fc.uint8Array({ maxLength: 300 }),
      version: safe,
      tombstone: fc.boolean(),
    }),
    { maxLength: 8 },
  ),
});

/**
 * The contract the runtime relies on: a state message never encodes larger than the same message
 * empty, plus the estimated parts, plus the framing growth.
 */
function expectWithinEstimate(full: Message, empty: Message, parts: number): void {
  expect(messageSize(full)).toBeLessThanOrEqual(messageSize(empty) + parts + framingGrowth(parts));
}

describe("estimates against the codec's exact sizes", () => {
  it("bound every state message built from arbitrary parts", () => {
    fc.assert(
      fc.property(
        fc.array(digestEntry, { maxLength: 20 }),
        fc.array(ownerDelta, { maxLength: 6 }),
        fc.boolean(),
        (digest, delta, complete) => {
          const d = digestSize(digest);
          const o = deltaSize(delta);
          expectWithinEstimate(
            { type: "state-syn", digest, complete },
            { type: "state-syn", digest: [], complete },
            d,
          );
          expectWithinEstimate(
            { type: "state-syn-ack", digest, complete, delta },
            { type: "state-syn-ack", digest: [], complete, delta: [] },
            d + o,
          );
          expectWithinEstimate({ type: "state-ack", delta }, { type: "state-ack", delta: [] }, o);
          expectWithinEstimate(
            { type: "state-delta", delta },
            { type: "state-delta", delta: [] },
            o,
          );
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });

  it("let a budgeted anti-entropy answer fill a 1400-byte packet without overflowing it", () => {
    const a = node("a");
    const deltas = [];
    for (let i = 0; i < 200; i++) deltas.push(syntheticDelta(ownerName(i), 20));
    a.apply(deltas, 0);
    const empty: Message = { type: "state-ack", delta: [] };
    const room = 1400 - envelopeOverhead() - messageSize(empty) - framingGrowth(1400);
    let estimated = 0;
    let real = 0;
    for (let round = 0; round < 20; round++) {
      const delta = a.deltaFor([], true, room);
      const packet = encodePacket([{ type: "state-ack", delta }]);
      expect(packet.length).toBeLessThanOrEqual(1400);
      expect(packet.length).toBeGreaterThan(1400 * 0.9);
      estimated += deltaSize(delta);
      real += messageSize({ type: "state-ack", delta }) - messageSize(empty);
    }
    const synRoom =
      1400 - envelopeOverhead() - messageSize({ type: "state-syn", digest: [], complete: false });
    const digest = a.digest(synRoom - framingGrowth(1400));
    const syn: Message = { type: "state-syn", digest: digest.entries, complete: digest.complete };
    expect(digest.complete).toBe(false);
    expect(encodePacket([syn]).length).toBeLessThanOrEqual(1400);
    expect(encodePacket([syn]).length).toBeGreaterThan(1400 * 0.9);
    // The message's own length prefix grows with its body (by at most framingGrowth, reserved
    // above); that growth is not the entries' size.
    const digestReal =
      messageSize(syn) -
      messageSize({ type: "state-syn", digest: [], complete: false }) -
      framingGrowth(1400);
    const overDelta = estimated / real - 1;
    const overDigest = digestSize(digest.entries) / digestReal - 1;
    console.log(
      `estimate over the codec's size: deltas +${(overDelta * 100).toFixed(1)}%, ` +
        `digest +${(overDigest * 100).toFixed(1)}% (${ENTRY_BUDGET}-byte budgets, 16-byte values)`,
    );
    expect(overDelta).toBeGreaterThanOrEqual(0);
    expect(overDelta).toBeLessThan(0.1);
    expect(overDigest).toBeGreaterThanOrEqual(0);
    expect(overDigest).toBeLessThan(0.1);
  });
});
