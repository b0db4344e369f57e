/**
 * Decoding 10^5 mutated packets and streams: every outcome is a result or a MemberlistError,
 * never another exception (a TypeError, a RangeError from msgpack, a crypto error).
 */
import { seededRng } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import {
  decodePacket,
  encodePacket,
  encodeStream,
  isMemberlistError,
  type MemberlistMessage,
  readStream,
} from "../src/index.js";

const lo = Uint8Array.of(127, 0, 0, 1);
const key = new Uint8Array(16).fill(3);
const messages: MemberlistMessage[] = [
  { type: "ping", seqNo: 5, node: "go-0", sourceAddr: lo, sourcePort: 1, sourceNode: "gv" },
  { type: "indirect-ping", seqNo: 6, target: lo, port: 2, node: "go-1", nack: true },
  { type: "ack", seqNo: 5, payload: Uint8Array.of(1) },
  { type: "nack", seqNo: 6 },
  { type: "suspect", incarnation: 1, node: "a", from: "b" },
  {
    type: "alive",
    incarnation: 2,
    node: "a",
    addr: lo,
    port: 3,
    meta: Uint8Array.of(1, 2),
    vsn: [1, 5, 2, 0, 0, 0],
  },
  { type: "dead", incarnation: 3, node: "a", from: "a" },
  { type: "user", payload: Uint8Array.of(7, 7) },
  { type: "error", error: "e" },
];

const ITERATIONS = 100_000;

describe("fuzz", () => {
  it(`${ITERATIONS} mutated packets and streams decode to a result or a MemberlistError`, () => {
    // Seeded, so every run fuzzes the very same inputs.
    const rng = seededRng(21);
    const rnd = () => rng.next();
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const seeds: { bytes: Uint8Array; keys: Uint8Array[]; label: string; stream: boolean }[] = [];
    for (const options of [
      {},
      { compress: true },
      { crc: true },
      { key },
      { label: "x", key, crc: true },
    ]) {
      for (let i = 0; i < 4; i++) {
        const some = messages.filter(() => rnd() < 0.4);
        const bytes = encodePacket(some.length > 0 ? some : [pick(messages)], options);
        seeds.push({
          bytes,
          keys: options.key ? [key] : [],
          label: (options as { label?: string }).label ?? "",
          stream: false,
        });
      }
      const stream = encodeStream(
        {
          type: "push-pull",
          join: true,
          nodes: [
            {
              name: "n",
              addr: lo,
              port: 1,
              meta: new Uint8Array(0),
              incarnation: 1,
              state: 0,
              vsn: [1, 5, 2, 0, 0, 0],
            },
          ],
          userState: Uint8Array.of(1),
        },
        options,
      );
      seeds.push({
        bytes: stream,
        keys: options.key ? [key] : [],
        label: (options as { label?: string }).label ?? "",
        stream: true,
      });
    }
    const interesting = [
      0x00, 0x07, 0x09, 0x0a, 0x0c, 0xc1, 0xda, 0xdb, 0xdc, 0xde, 0xdf, 0xff, 0xf4, 0x80, 0x9f,
    ];
    let errors = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = pick(seeds);
      const bytes = seed.bytes.slice();
      let mutated: Uint8Array = bytes;
      const mutations = 1 + Math.floor(rnd() * 4);
      for (let m = 0; m < mutations; m++) {
        const at = Math.floor(rnd() * mutated.length);
        const kind = rnd();
        if (kind < 0.4) mutated[at] = Math.floor(rnd() * 256);
        else if (kind < 0.6) mutated[at] = pick(interesting);
        else if (kind < 0.8) mutated = mutated.subarray(0, at);
        else
          mutated = Uint8Array.from([
            ...mutated.subarray(0, at),
            Math.floor(rnd() * 256),
            ...mutated.subarray(at),
          ]);
      }
      try {
        if (seed.stream) {
          const r = readStream(mutated, { keys: seed.keys, label: seed.label });
          if (r.status === "error") errors++;
        } else {
          const r = decodePacket(mutated, {
            keys: seed.keys,
            label: seed.label,
            verifyIncoming: rnd() < 0.5,
          });
          if (!r.ok) errors++;
          else errors += r.rejected.length;
        }
      } catch (err) {
        // Reaching here at all is the failure; the assertion names what escaped.
        expect(
          isMemberlistError(err),
          `input ${Buffer.from(mutated).toString("hex")}: ${String(err)}`,
        ).toBe(true);
        throw err;
      }
    }
    expect(errors).toBeGreaterThan(ITERATIONS / 10);
  }, 120_000);
});
