import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MTU,
  decode,
  encodePacket,
  envelopeOverhead,
  type Message,
  messageSize,
  pack,
} from "../src/index.js";
import { label, message, sent } from "./support/arbitraries.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** Identity of a message by its encoding, so duplicates and lone surrogates compare right. */
const key = (m: Message) => hex(encodePacket([m]));

const user = (size: number): Message => ({
  type: "user",
  from: "a",
  name: "b",
  payload: new Uint8Array(size),
  coalesce: false,
  ltime: 0,
});

const mixed = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: message },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 1600 }).map(user) },
  ),
  { maxLength: 40 },
);

describe("pack", () => {
  it("never exceeds the MTU, loses nothing, keeps order, and is first-fit greedy", () => {
    fc.assert(
      fc.property(mixed, fc.integer({ min: 8, max: 2000 }), label, (ms, mtu, l) => {
        const { packets, unfit } = pack(ms, { mtu, label: l });
        const overhead = envelopeOverhead(l);
        const room = mtu - overhead;

        for (const packet of packets) {
          expect(packet.length).toBeLessThanOrEqual(mtu);
          const result = decode(packet);
          expect(result.ok && result.envelope.label).toBe(sent(l));
          expect(result.ok && result.envelope.messages.length).toBeGreaterThan(0);
        }
        const packed = packets.flatMap((p) => {
          const r = decode(p);
          return r.ok ? r.envelope.messages.map(key) : [];
        });
        expect([...packed, ...unfit.map(key)].sort()).toEqual(ms.map(key).sort());
        for (const m of unfit) expect(messageSize(m)).toBeGreaterThan(room);
        for (const m of ms) {
          if (messageSize(m) > room) expect(unfit).toContain(m);
        }
        // First-fit leaves no two packets that could have been one.
        for (let i = 0; i < packets.length; i++) {
          for (let j = i + 1; j < packets.length; j++) {
            const a = packets[i]!.length - overhead;
            const b = packets[j]!.length - overhead;
            expect(a + b).toBeGreaterThan(room);
          }
        }
      }),
      { seed: 7, numRuns: 400 },
    );
  });

  it("keeps input order inside every packet, earliest messages in the first packet", () => {
    const sized = fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(sized, (sizes) => {
        const ms = sizes.map(
          (size, i): Message => ({
            type: "user",
            from: "a",
            name: String(i),
            payload: new Uint8Array(size),
            coalesce: false,
            ltime: 0,
          }),
        );
        const { packets, unfit } = pack(ms);
        expect(unfit).toEqual([]);
        const indices = packets.map((p) => {
          const r = decode(p);
          return r.ok ? r.envelope.messages.map((m) => Number(m.type === "user" && m.name)) : [];
        });
        for (const order of indices) {
          expect(order).toEqual([...order].sort((a, b) => a - b));
        }
        expect(indices[0]?.[0]).toBe(0);
      }),
      { seed: 8, numRuns: 300 },
    );
  });

  it("fills a packet to exactly the MTU", () => {
    const m = user(100);
    const mtu = envelopeOverhead() + 3 * messageSize(m);
    const { packets, unfit } = pack([m, m, m, m], { mtu });
    expect(packets.map((p) => p.length)).toEqual([mtu, mtu - 2 * messageSize(m)]);
    expect(unfit).toEqual([]);
  });

  it("puts later small messages into earlier packets with room (first fit)", () => {
    const big = user(900);
    const small = user(10);
    const { packets } = pack([big, big, small], { mtu: DEFAULT_MTU });
    expect(packets).toHaveLength(2);
    const first = decode(packets[0]!);
    expect(first.ok && first.envelope.messages.length).toBe(2);
  });

  it("reports a message that cannot fit alone instead of dropping it", () => {
    const huge = user(DEFAULT_MTU);
    const small = user(1);
    const { packets, unfit } = pack([small, huge, small]);
    expect(unfit).toEqual([huge]);
    expect(packets).toHaveLength(1);
    expect(pack([huge]).packets).toEqual([]);
  });

  it("writes the label into every packet and matches encodePacket when all fit", () => {
    const ms: Message[] = [user(1), user(2)];
    const { packets } = pack(ms, { label: "blue" });
    expect(packets).toEqual([encodePacket(ms, { label: "blue" })]);
  });

  it("returns nothing for nothing and rejects a bad MTU", () => {
    expect(pack([])).toEqual({ packets: [], unfit: [] });
    expect(() => pack([user(1)], { mtu: 0 })).toThrow(RangeError);
    expect(() => pack([user(1)], { mtu: 1.5 })).toThrow(RangeError);
  });
});
