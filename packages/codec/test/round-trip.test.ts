import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CodecError,
  DEFAULT_LIMITS,
  decode,
  encodePacket,
  envelopeOverhead,
  type Message,
  messageSize,
} from "../src/index.js";
import { label, message, messageOf, sent } from "./support/arbitraries.js";
import { referenceDecode, referenceEncode } from "./support/reference.js";

const SEED = 0x6a7e;

function roundTrip(messages: readonly Message[], packetLabel = ""): Message[] {
  const bytes = encodePacket(messages, { label: packetLabel });
  const result = decode(bytes, { maxPacketBytes: 1 << 24 });
  if (!result.ok) throw result.error;
  expect(result.envelope.version).toBe(1);
  expect(result.envelope.label).toBe(sent(packetLabel));
  expect(result.skipped).toBe(0);
  return [...result.envelope.messages];
}

describe("round trip", () => {
  for (const [type, arbitrary] of Object.entries(messageOf)) {
    it(`decode(encode(${type})) is the message`, () => {
      fc.assert(
        fc.property(arbitrary as fc.Arbitrary<Message>, (m) => {
          expect(roundTrip([m])).toEqual([sent(m)]);
        }),
        { seed: SEED, numRuns: 150 },
      );
    });
  }

  it("compound packets with a label round-trip in order", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), label, (ms, l) => {
        expect(roundTrip(ms, l)).toEqual(sent(ms));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("envelopeOverhead(label) + Σ messageSize(m) is the encoded length", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 10 }), label, (ms, l) => {
        const expected = envelopeOverhead(l) + ms.reduce((sum, m) => sum + messageSize(m), 0);
        expect(encodePacket(ms, { label: l }).length).toBe(expected);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("packets sharing a pooled buffer never overlap", () => {
    const all = fc.sample(fc.array(message, { maxLength: 4 }), { seed: SEED, numRuns: 400 });
    const packets = all.map((ms) => encodePacket(ms));
    packets.forEach((packet, i) => {
      const result = decode(packet, { maxPacketBytes: 1 << 24 });
      expect(result.ok && result.envelope.messages).toEqual(sent(all[i]));
    });
  });

  it("extreme values round-trip", () => {
    const maxMeta = new Uint8Array(DEFAULT_LIMITS.maxMetaBytes).map((_, i) => i);
    const longName = "n".repeat(DEFAULT_LIMITS.maxNameBytes);
    const cases: Message[] = [
      {
        type: "alive",
        name: longName,
        incarnation: 2n ** 64n - 1n,
        generation: Number.MAX_SAFE_INTEGER,
        addresses: [],
        meta: maxMeta,
      },
      { type: "alive", name: "a", incarnation: 0n, generation: 0, addresses: [], meta: maxMeta },
      {
        type: "alive",
        name: "\uFEFFbom",
        incarnation: 1n,
        generation: 0,
        addresses: [""],
        meta: new Uint8Array(0),
      },
      { type: "suspect", name: "ノード-𝔘-ß", incarnation: 2n ** 63n, from: "👩‍👩‍👧" },
      { type: "dead", name: "x", incarnation: 2n ** 53n, from: "x" },
      { type: "dead", name: "\uFFFD", incarnation: 1n, from: `long-${"\uFFFD".repeat(50)}` },
      { type: "suspect", name: "é".repeat(100), incarnation: 1n, from: "a".repeat(200) },
      { type: "ping", seq: 0, target: "", source: "", sourceAddresses: [] },
      {
        type: "ping",
        seq: Number.MAX_SAFE_INTEGER,
        target: "b",
        source: "a",
        sourceAddresses: ["", ""],
      },
      { type: "state-syn", digest: [], complete: false },
      { type: "state-syn-ack", digest: [], complete: true, delta: [] },
      { type: "state-ack", delta: [] },
      {
        type: "state-delta",
        delta: [
          {
            owner: "o",
            generation: 0,
            fromVersion: 0,
            reset: false,
            heartbeat: 0,
            maxVersion: 0,
            entries: [{ key: "", value: new Uint8Array(0), version: 0, tombstone: true }],
          },
        ],
      },
      { type: "push-pull", join: false, reply: false, source: "", members: [], delta: [] },
      { type: "user", from: "", name: "", payload: new Uint8Array(0), coalesce: false, ltime: 0 },
      { type: "ack", seq: 2 ** 32, source: "s", payload: new Uint8Array(300) },
      { type: "nack", seq: 1, source: "" },
    ];
    for (const m of cases) expect(roundTrip([m])).toEqual([m]);
    expect(roundTrip(cases, "label-ü")).toEqual(cases);
  });
});

describe("agreement with the protobufjs code generated from grapevine.proto", () => {
  // Well-formed strings only: protobufjs writes lone surrogates as invalid UTF-8.
  const messages = fc.array(message, { maxLength: 6 }).map(sent);
  const wellFormedLabel = label.map(sent);

  it("produces the same bytes", () => {
    fc.assert(
      fc.property(messages, wellFormedLabel, (ms, l) => {
        expect(encodePacket(ms, { label: l })).toEqual(referenceEncode(ms, l));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("each decodes what the other encodes", () => {
    fc.assert(
      fc.property(messages, wellFormedLabel, (ms, l) => {
        expect(referenceDecode(encodePacket(ms, { label: l })).messages).toEqual(ms);
        const ours = decode(referenceEncode(ms, l), { maxPacketBytes: 1 << 24 });
        expect(ours.ok && ours.envelope.messages).toEqual(ms);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("the encoder refuses values it cannot put on the wire", () => {
  const base = { type: "ping", seq: 1, target: "t", source: "s", sourceAddresses: [] } as const;
  const alive = {
    type: "alive",
    name: "n",
    incarnation: 1n,
    generation: 1,
    addresses: [],
    meta: new Uint8Array(0),
  } as const;
  const bad: [string, Message][] = [
    ["negative seq", { ...base, seq: -1 }],
    ["fractional seq", { ...base, seq: 1.5 }],
    ["NaN seq", { ...base, seq: Number.NaN }],
    ["seq above 2^53-1", { ...base, seq: 2 ** 53 }],
    ["negative incarnation", { ...alive, incarnation: -1n }],
    ["incarnation above 2^64-1", { ...alive, incarnation: 2n ** 64n }],
    ["empty alive name", { ...alive, name: "" }],
    ["empty suspect from", { type: "suspect", name: "a", incarnation: 1n, from: "" }],
    [
      "unknown member status",
      {
        type: "push-pull",
        join: true,
        reply: false,
        source: "s",
        members: [{ ...alive, status: "zombie" as "alive" }],
        delta: [],
      },
    ],
    ["unknown message type", { type: "gossip" } as unknown as Message],
  ];
  for (const [what, m] of bad) {
    it(what, () => {
      expect(() => messageSize(m)).toThrow(CodecError);
      expect(() => encodePacket([m])).toThrow(CodecError);
      try {
        encodePacket([m]);
      } catch (e) {
        expect((e as CodecError).reason).toBe("malformed");
      }
    });
  }
});
