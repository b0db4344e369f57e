import { seededRng } from "@grapevine/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CODEC_ERROR_REASONS } from "../src/codec-error.js";
import {
  type CodecErrorReason,
  type CodecLimits,
  decode,
  encodePacket,
  isCodecError,
  type Message,
} from "../src/index.js";
import { label, message, sent } from "./support/arbitraries.js";

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const REASONS = new Set<CodecErrorReason>(CODEC_ERROR_REASONS);

const TIGHT: Partial<CodecLimits> = {
  maxPacketBytes: 512,
  maxMessages: 4,
  maxNameBytes: 8,
  maxAddressBytes: 12,
  maxAddresses: 1,
  maxMetaBytes: 4,
  maxPayloadBytes: 4,
  maxKeyBytes: 3,
  maxValueBytes: 3,
  maxDigestEntries: 2,
  maxOwners: 1,
  maxEntries: 2,
  maxMembers: 1,
};

const ITERATIONS = 120_000;

describe("fuzz", () => {
  it(`${ITERATIONS} random and mutated packets: decode never throws and never lies`, () => {
    // Seeded, so every run fuzzes the very same inputs.
    const rng = seededRng(0x5eed);
    const rand = () => rng.next();
    const int = (n: number) => Math.floor(rand() * n);
    const corpus = fc
      .sample(fc.tuple(fc.array(message, { minLength: 1, maxLength: 6 }), label), {
        seed: 42,
        numRuns: 300,
      })
      .map(([ms, l]) => encodePacket(ms, { label: l }));

    function mutate(src: Uint8Array): Uint8Array {
      let b: Uint8Array = Uint8Array.from(src);
      const rounds = 1 + int(3);
      for (let r = 0; r < rounds; r++) {
        const at = int(b.length + 1);
        switch (int(8)) {
          case 0: // bit flips
            for (let k = 1 + int(4); k > 0 && b.length > 0; k--) {
              const i = int(b.length);
              b[i] = b[i]! ^ (1 << int(8));
            }
            break;
          case 1: // truncation
            b = b.subarray(0, at);
            break;
          case 2: {
            // insertion of random bytes
            const extra = Uint8Array.from({ length: 1 + int(8) }, () => int(256));
            b = concat(b.subarray(0, at), extra, b.subarray(at));
            break;
          }
          case 3: // deletion
            b = concat(b.subarray(0, at), b.subarray(at + 1 + int(8)));
            break;
          case 4: {
            // length prefix inflation: a huge varint where a length likely sits
            const huge = [0xff, 0xff, 0xff, 0xff, 0x0f].slice(int(5));
            const i = Math.min(at, Math.max(0, b.length - 1));
            b = concat(b.subarray(0, i), Uint8Array.from([...huge, 0x07]), b.subarray(i + 1));
            break;
          }
          case 5: // a byte set to a boundary value
            if (b.length > 0) b[int(b.length)] = [0x00, 0x7f, 0x80, 0xff, 0x01][int(5)]!;
            break;
          case 6: {
            // splice with another valid packet
            const other = corpus[int(corpus.length)]!;
            b = concat(b.subarray(0, at), other.subarray(int(other.length)));
            break;
          }
          default: {
            // duplicate a chunk
            const len = int(16);
            b = concat(b.subarray(0, at + len), b.subarray(at));
          }
        }
      }
      return b;
    }

    function randomPacket(): Uint8Array {
      const len = int(64);
      const b = Uint8Array.from({ length: len }, () => int(256));
      // Half of them start with a valid version so the decoder gets past the first check.
      if (rand() < 0.5 && len >= 2) {
        b[0] = 0x08;
        b[1] = 0x01;
      }
      return b;
    }

    const counts: Record<string, number> = {};
    let ok = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = i % 10 === 0 ? randomPacket() : mutate(corpus[int(corpus.length)]!);
      const limits = i % 4 === 0 ? TIGHT : undefined;
      let result: ReturnType<typeof decode>;
      try {
        result = decode(input, limits);
      } catch (e) {
        throw new Error(`decode threw on ${Buffer.from(input).toString("hex")}: ${String(e)}`);
      }
      if (result.ok) {
        ok++;
        // Whatever decodes must re-encode to something that decodes to the same messages.
        const again = decode(
          encodePacket(result.envelope.messages, { label: result.envelope.label }),
          {
            maxPacketBytes: 1 << 24,
          },
        );
        expect(again.ok && again.envelope.messages).toEqual(result.envelope.messages);
      } else {
        const { error } = result;
        if (!isCodecError(error) || !REASONS.has(error.reason) || /internal/.test(error.message)) {
          throw new Error(`bad error on ${Buffer.from(input).toString("hex")}: ${String(error)}`);
        }
        counts[error.reason] = (counts[error.reason] ?? 0) + 1;
      }
    }
    // The fuzzer must reach every kind of outcome, or it is not exploring.
    expect(ok).toBeGreaterThan(1000);
    for (const reason of ["truncated", "malformed", "limit", "unknown-version"]) {
      expect(counts[reason] ?? 0, reason).toBeGreaterThan(100);
    }
  }, 60_000);

  it("decode(encode(x)) is stable for every corpus message", () => {
    const ms = fc.sample(message, { seed: 3, numRuns: 500 }) as Message[];
    const result = decode(encodePacket(ms), { maxPacketBytes: 1 << 24, maxMessages: 1000 });
    expect(result.ok && result.envelope.messages).toEqual(sent(ms));
  });
});
