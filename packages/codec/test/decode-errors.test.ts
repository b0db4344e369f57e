import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CodecErrorReason,
  type CodecLimits,
  DEFAULT_CODEC_LIMITS,
  decode,
  encodePacket,
  isCodecError,
  type Message,
} from "../src/index.js";
import { message, sent } from "./support/arbitraries.js";
import { bytes, envelope, lfield, sfield, tag, varint, vfield } from "./support/wire.js";

function reasonOf(input: Uint8Array, limits?: Partial<CodecLimits>): CodecErrorReason | "ok" {
  const result = decode(input, limits);
  if (result.ok) return "ok";
  expect(isCodecError(result.error)).toBe(true);
  expect(result.error.message).not.toMatch(/internal/);
  return result.error.reason;
}

const PING = 1;
const ALIVE = 5;
const SUSPECT = 6;
const STATE_SYN = 8;
const STATE_DELTA = 11;
const PUSH_PULL = 12;
const USER = 13;
const alive = (...fields: number[][]) => [...sfield(1, "n"), ...fields.flat()];

describe("decode rejects with a typed reason", () => {
  it("truncated: empty input", () => {
    expect(reasonOf(new Uint8Array(0))).toBe("truncated");
  });

  it("truncated: any cut of a packet either fails as truncated or keeps a prefix of the messages", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.nat(), (ms, cutSeed) => {
        const full = encodePacket(ms);
        const cut = full.subarray(0, cutSeed % full.length);
        const result = decode(cut);
        if (result.ok) {
          const got = result.envelope.messages;
          expect(got.length).toBeLessThan(ms.length);
          expect(got).toEqual(sent(ms.slice(0, got.length)));
        } else {
          expect(result.error.reason).toBe("truncated");
        }
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it("truncated: a length prefix claiming far more than the input, without allocating it", () => {
    expect(reasonOf(bytes(vfield(1, 1), tag(3, 2), varint(2n ** 50n)))).toBe("truncated");
    expect(reasonOf(bytes(vfield(1, 1), tag(3, 2), varint(2n ** 32n - 1n), [0x0a]))).toBe(
      "truncated",
    );
    // Inside a message, a length past the message's end is malformed, not truncated.
    expect(reasonOf(envelope([ALIVE, [...tag(1, 2), ...varint(2n ** 40n)]]))).toBe("malformed");
  });

  it("oversized: longer than maxPacketBytes", () => {
    const packet = encodePacket([
      {
        type: "user",
        from: "a",
        name: "b",
        payload: new Uint8Array(2000),
        coalesce: false,
        ltime: 0,
      },
    ]);
    expect(reasonOf(packet, { maxPacketBytes: packet.length - 1 })).toBe("oversized");
    expect(reasonOf(packet, { maxPacketBytes: packet.length })).toBe("ok");
    expect(reasonOf(new Uint8Array(DEFAULT_CODEC_LIMITS.maxPacketBytes + 1))).toBe("oversized");
  });

  it("unknown-version: another version, or none", () => {
    expect(reasonOf(bytes(vfield(1, 2), lfield(3, lfield(PING, []))))).toBe("unknown-version");
    expect(reasonOf(bytes(vfield(1, 0)))).toBe("unknown-version");
    expect(reasonOf(bytes(lfield(3, lfield(PING, []))))).toBe("unknown-version");
    // A newer version is recognised before anything after it is parsed.
    expect(reasonOf(bytes(vfield(1, 2), [0xff, 0xff]))).toBe("unknown-version");
  });

  it("label-mismatch: when the receiver expects a label", () => {
    const ping: Message = { type: "ping", seq: 1, target: "", source: "", sourceAddresses: [] };
    const labelled = encodePacket([ping], { label: "blue" });
    const bare = encodePacket([ping]);
    expect(reasonOf(labelled, { label: "green" })).toBe("label-mismatch");
    expect(reasonOf(bare, { label: "green" })).toBe("label-mismatch");
    expect(reasonOf(labelled, { label: "" })).toBe("label-mismatch");
    expect(reasonOf(labelled, { label: "blue" })).toBe("ok");
    expect(reasonOf(bare, { label: "" })).toBe("ok");
    const any = decode(labelled);
    expect(any.ok && any.envelope.label).toBe("blue");
  });

  const malformed: [string, Uint8Array][] = [
    [
      "a varint longer than 10 bytes",
      bytes(vfield(1, 1), tag(9, 0), new Array(10).fill(0x80), [0]),
    ],
    ["field number 0", bytes(vfield(1, 1), [0x02, 0x00])],
    ["a group (wire type 3)", bytes(vfield(1, 1), tag(9, 3))],
    ["wire type 7", bytes(vfield(1, 1), tag(9, 7))],
    ["a known field with the wrong wire type", bytes(vfield(1, 1), vfield(3, 5))],
    ["a message with no kind", bytes(vfield(1, 1), lfield(3, []))],
    ["a known kind with the wrong wire type", bytes(vfield(1, 1), lfield(3, vfield(PING, 1)))],
    ["seq above 2^53-1", envelope([PING, vfield(1, 2n ** 53n)])],
    ["seq above 2^64-1", envelope([PING, vfield(1, 2n ** 64n)])],
    ["incarnation above 2^64-1", envelope([ALIVE, alive(vfield(2, 2n ** 64n))])],
    [
      "incarnation varint of 11 bytes",
      envelope([ALIVE, alive(tag(2, 0), new Array(10).fill(0xff), [0x01])]),
    ],
    ["generation above 2^53-1", envelope([ALIVE, alive(vfield(3, 2n ** 60n))])],
    ["invalid UTF-8 in a name", envelope([ALIVE, lfield(1, [0x6e, 0xff])])],
    ["an overlong UTF-8 encoding", envelope([ALIVE, lfield(1, [0xc0, 0xaf])])],
    ["a UTF-16 surrogate in UTF-8", envelope([ALIVE, lfield(1, [0xed, 0xa0, 0x80])])],
    ["a UTF-8 sequence cut short", envelope([ALIVE, lfield(1, [0x41, 0xe2, 0x82])])],
    [
      "invalid UTF-8 in a long name",
      envelope([ALIVE, lfield(1, [...new TextEncoder().encode("é".repeat(40)), 0xc3])]),
    ],
    [
      "a lone surrogate in a long name",
      envelope([ALIVE, lfield(1, [...new Array(60).fill(0x61), 0xed, 0xb0, 0x80])]),
    ],
    ["invalid UTF-8 in the label", bytes(vfield(1, 1), lfield(2, [0xfe]))],
    ["an alive without a name", envelope([ALIVE, vfield(2, 5)])],
    ["a suspect without from", envelope([SUSPECT, sfield(1, "n")])],
    ["a digest entry without owner", envelope([STATE_SYN, lfield(1, vfield(2, 1))])],
    ["an owner delta without owner", envelope([STATE_DELTA, lfield(1, vfield(2, 1))])],
    ["a member without status", envelope([PUSH_PULL, lfield(4, sfield(1, "m"))])],
    [
      "a member with an unknown status",
      envelope([PUSH_PULL, lfield(4, [...sfield(1, "m"), ...vfield(4, 9)])]),
    ],
    ["a field running past its message", envelope([ALIVE, [...sfield(1, "n"), 0x22, 0x05, 0x61]])],
    [
      "a nested entry running past its owner delta",
      envelope([STATE_DELTA, lfield(1, [...sfield(1, "o"), 0x3a, 0x09, 0x0a, 0x01])]),
    ],
    ["a truncated fixed64 unknown field", envelope([PING, [...tag(9, 1), 1, 2, 3]])],
    ["a truncated fixed32 unknown field", envelope([PING, [...tag(9, 5), 1, 2]])],
    ["a field tag above 2^32-1", bytes(vfield(1, 1), varint(2n ** 33n), [0])],
  ];
  for (const [what, input] of malformed) {
    it(`malformed: ${what}`, () => {
      expect(reasonOf(input)).toBe("malformed");
    });
  }

  it("malformed: input that is not a Uint8Array", () => {
    expect(reasonOf("nope" as unknown as Uint8Array)).toBe("malformed");
  });

  const limits: [string, Uint8Array, Partial<CodecLimits>][] = [
    ["too many messages", envelope([PING, []], [PING, []], [PING, []]), { maxMessages: 2 }],
    ["a label over maxNameBytes", bytes(vfield(1, 1), sfield(2, "abcd")), { maxNameBytes: 3 }],
    ["a name over maxNameBytes", envelope([ALIVE, sfield(1, "abcd")]), { maxNameBytes: 3 }],
    [
      "too many addresses",
      envelope([PING, [...sfield(4, "a"), ...sfield(4, "b"), ...sfield(4, "c")]]),
      { maxAddresses: 2 },
    ],
    [
      "an address over maxAddressBytes",
      envelope([PING, sfield(4, "udp://x")]),
      { maxAddressBytes: 6 },
    ],
    ["meta over maxMetaBytes", envelope([ALIVE, alive(lfield(5, [1, 2, 3]))]), { maxMetaBytes: 2 }],
    [
      "a user payload over maxPayloadBytes",
      envelope([USER, lfield(3, [1, 2])]),
      { maxPayloadBytes: 1 },
    ],
    [
      "too many digest entries",
      envelope([STATE_SYN, [...lfield(1, sfield(1, "a")), ...lfield(1, sfield(1, "b"))]]),
      { maxDigestEntries: 1 },
    ],
    [
      "too many owner deltas",
      envelope([STATE_DELTA, [...lfield(1, sfield(1, "a")), ...lfield(1, sfield(1, "b"))]]),
      { maxOwners: 1 },
    ],
    [
      "too many delta entries across owners",
      envelope([
        STATE_DELTA,
        [
          ...lfield(1, [...sfield(1, "a"), ...lfield(7, [])]),
          ...lfield(1, [...sfield(1, "b"), ...lfield(7, [])]),
        ],
      ]),
      { maxEntries: 1 },
    ],
    [
      "a key over maxKeyBytes",
      envelope([STATE_DELTA, lfield(1, [...sfield(1, "a"), ...lfield(7, sfield(1, "kk"))])]),
      { maxKeyBytes: 1 },
    ],
    [
      "a value over maxValueBytes",
      envelope([STATE_DELTA, lfield(1, [...sfield(1, "a"), ...lfield(7, lfield(2, [1, 2]))])]),
      { maxValueBytes: 1 },
    ],
    [
      "too many push-pull members",
      envelope([
        PUSH_PULL,
        [
          ...lfield(4, [...sfield(1, "a"), ...vfield(4, 1)]),
          ...lfield(4, [...sfield(1, "b"), ...vfield(4, 1)]),
        ],
      ]),
      { maxMembers: 1 },
    ],
  ];
  for (const [what, input, limit] of limits) {
    it(`limit: ${what}`, () => {
      expect(reasonOf(input, limit)).toBe("limit");
      expect(reasonOf(input)).toBe("ok");
    });
  }
});

describe("decode semantics", () => {
  it("a repeated singular field takes its last value", () => {
    const result = decode(envelope([PING, [...vfield(1, 5), ...sfield(2, "a"), ...vfield(1, 7)]]));
    expect(result.ok && result.envelope.messages[0]).toMatchObject({ seq: 7, target: "a" });
  });

  it("accepts non-canonical varints and a non-1 true", () => {
    const result = decode(
      envelope([PING, [...tag(1, 0), 0x85, 0x80, 0x80, 0x00]], [13, []], [2, vfield(6, 300)]),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.envelope.messages[0]).toMatchObject({ type: "ping", seq: 5 });
    expect(result.envelope.messages[2]).toMatchObject({ type: "ping-req", wantNack: true });
  });

  it("accepts a Buffer and returns byte fields that do not alias the input", () => {
    const packet = Buffer.from(
      encodePacket([
        {
          type: "user",
          from: "a",
          name: "b",
          payload: new Uint8Array([1, 2, 3]),
          coalesce: false,
          ltime: 0,
        },
      ]),
    );
    const result = decode(packet);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    packet.fill(0);
    const user = result.envelope.messages[0];
    expect(user?.type === "user" && Array.from(user.payload)).toEqual([1, 2, 3]);
    expect(user?.type === "user" && user.payload.constructor).toBe(Uint8Array);
  });

  it("an envelope with no messages is valid", () => {
    const result = decode(bytes(vfield(1, 1)));
    expect(result.ok && result.envelope.messages).toEqual([]);
  });
});

describe("options", () => {
  it("an explicitly undefined label or limit means the default", () => {
    const packet = encodePacket([{ type: "nack", seq: 1, source: "a" }], { label: undefined });
    expect(decode(packet, { label: undefined }).ok).toBe(true);
    const many = encodePacket(
      Array.from({ length: DEFAULT_CODEC_LIMITS.maxMessages + 1 }, () => ({
        type: "nack" as const,
        seq: 1,
        source: "a",
      })),
    );
    const result = decode(many, { maxMessages: undefined as unknown as number });
    expect(!result.ok && result.error.reason).toBe("limit");
  });
});

describe("allocation", () => {
  it("stays within a fixed multiple of the input, even for the densest packet", () => {
    // 32,000 empty delta entries: two input bytes each, the most objects per input byte the
    // schema allows within the default limits.
    const entries = new Array<number>(64_000).fill(0).map((_, i) => (i % 2 === 0 ? 0x3a : 0));
    const packet = bytes(
      vfield(1, 1),
      lfield(3, lfield(STATE_DELTA, lfield(1, [...sfield(1, "o"), ...entries]))),
    );
    decode(packet);
    const before = process.memoryUsage().heapUsed;
    const result = decode(packet);
    const grown = process.memoryUsage().heapUsed - before;
    expect(result.ok).toBe(true);
    expect(grown).toBeLessThan(100 * packet.length);
  });
});

describe("errors name the field and the limit at fault", () => {
  const errorOf = (input: Uint8Array, limits?: Partial<CodecLimits>) => {
    const result = decode(input, limits);
    if (result.ok) throw new Error("expected a rejection");
    return result.error;
  };

  it("a limit: the field and the CodecLimits entry", () => {
    const error = errorOf(envelope([ALIVE, sfield(1, "abcd")]), { maxNameBytes: 3 });
    expect(error).toMatchObject({ reason: "limit", field: "Alive.name", limit: "maxNameBytes" });
    expect(error.message).toContain("maxNameBytes");
  });

  it("a count summed over a message", () => {
    const input = envelope([
      STATE_DELTA,
      [
        ...lfield(1, [...sfield(1, "a"), ...lfield(7, [])]),
        ...lfield(1, [...sfield(1, "b"), ...lfield(7, [])]),
      ],
    ]);
    expect(errorOf(input, { maxEntries: 1 })).toMatchObject({
      field: "OwnerDelta.entries",
      limit: "maxEntries",
    });
  });

  it("a missing required field, an unset enum, the envelope's own fields", () => {
    expect(errorOf(envelope([ALIVE, vfield(2, 5)])).field).toBe("Alive.name");
    expect(errorOf(envelope([PUSH_PULL, lfield(4, sfield(1, "m"))])).field).toBe(
      "PushPullMember.status",
    );
    expect(errorOf(bytes(vfield(1, 2))).field).toBe("Envelope.version");
    expect(errorOf(envelope([PING, []], [PING, []]), { maxMessages: 1 })).toMatchObject({
      field: "Envelope.messages",
      limit: "maxMessages",
    });
    expect(errorOf(new Uint8Array(10), { maxPacketBytes: 9 }).limit).toBe("maxPacketBytes");
  });
});

describe("unknown message kinds", () => {
  it("are skipped and counted by the decoder, whatever their number", () => {
    const result = decode(
      envelope(
        [14, sfield(1, "rumour")],
        [PING, sfield(2, "b")],
        [1000, []],
        [USER, sfield(2, "u")],
        [15, vfield(1, 1)],
      ),
    );
    expect(result.ok && result.skipped).toBe(3);
    expect(result.ok && result.envelope.messages.map((m) => m.type)).toEqual(["ping", "user"]);
  });
});
