import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";

type Utf8 = typeof import("../src/utf8.js");

/** A fresh copy of the module, optionally loaded as if outside Node (no `Buffer`). */
async function load(portable: boolean): Promise<Utf8> {
  vi.resetModules();
  const saved = globalThis.Buffer;
  if (portable) Reflect.set(globalThis, "Buffer", undefined);
  try {
    return await import("../src/utf8.js");
  } finally {
    Reflect.set(globalThis, "Buffer", saved);
  }
}

const encoder = new TextEncoder();
const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const strings = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ maxLength: 200 }),
);
const byteArrays = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  strings.map((s) => encoder.encode(s)),
  fc.tuple(strings, fc.nat(), fc.nat(255)).map(([s, at, b]) => {
    const bytes = encoder.encode(s);
    if (bytes.length > 0) bytes[at % bytes.length] = b;
    return bytes;
  }),
);

for (const portable of [false, true]) {
  describe(`UTF-8 ${portable ? "without" : "with"} Node's Buffer`, () => {
    it("utf8Length and writeUtf8 agree with TextEncoder", async () => {
      const { utf8Length, writeUtf8 } = await load(portable);
      fc.assert(
        fc.property(strings, fc.nat(8), (s, offset) => {
          const expected = encoder.encode(s);
          expect(utf8Length(s)).toBe(expected.length);
          const out = new Uint8Array(offset + expected.length + 4);
          writeUtf8(out, offset, s, expected.length);
          expect(out.subarray(offset, offset + expected.length)).toEqual(expected);
          expect(Array.from(out.subarray(offset + expected.length))).toEqual([0, 0, 0, 0]);
        }),
        { seed: 5, numRuns: 1500 },
      );
    });

    it("readUtf8 decodes valid UTF-8 exactly and rejects everything else", async () => {
      const { readUtf8 } = await load(portable);
      fc.assert(
        fc.property(byteArrays, fc.nat(8), (bytes, offset) => {
          const buf = new Uint8Array(offset + bytes.length + 3).fill(0xff);
          buf.set(bytes, offset);
          let expected: string | undefined;
          try {
            expected = fatal.decode(bytes);
          } catch {
            expected = undefined;
          }
          expect(readUtf8(buf, offset, offset + bytes.length)).toBe(expected);
        }),
        { seed: 6, numRuns: 3000 },
      );
    });
  });
}
