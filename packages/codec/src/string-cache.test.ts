import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cachedUtf8, MAX_CACHED_BYTES } from "./string-cache.js";
import { readUtf8 } from "./utf8.js";

const utf8 = new TextEncoder();

describe("cachedUtf8", () => {
  it("returns what readUtf8 returns, for any bytes at any offset, hit or miss", () => {
    // Few distinct strings over a small alphabet, so that slots collide and strings repeat.
    const text = fc.string({ unit: fc.constantFrom("a", "b", "é", "𝔘", "/"), maxLength: 20 });
    const bytes = fc.oneof(
      text.map((s) => utf8.encode(s)),
      fc.uint8Array({ maxLength: MAX_CACHED_BYTES }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(bytes, fc.nat(7)), { minLength: 1, maxLength: 60 }),
        (items) => {
          for (const [b, offset] of items) {
            if (b.length > MAX_CACHED_BYTES) continue;
            const buf = new Uint8Array(offset + b.length + 3).fill(0x61);
            buf.set(b, offset);
            expect(cachedUtf8(buf, offset, b.length)).toBe(readUtf8(b, 0, b.length));
          }
        },
      ),
      { seed: 17, numRuns: 400 },
    );
  });

  it("a second read of the same bytes is the very same string", () => {
    const name = utf8.encode("ip-10-0-20-240.eu-west-1.compute.internal");
    const a = cachedUtf8(Uint8Array.from(name), 0, name.length);
    const b = cachedUtf8(Uint8Array.from(name), 0, name.length);
    expect(a).toBe("ip-10-0-20-240.eu-west-1.compute.internal");
    expect(b).toBe(a);
  });

  it("thousands of distinct strings: every one still decodes exactly", () => {
    for (let i = 0; i < 5000; i++) {
      const s = `key/${i}/${"x".repeat(i % 40)}`;
      const b = utf8.encode(s);
      expect(cachedUtf8(b, 0, b.length)).toBe(s);
      const again = utf8.encode(`key/${(i * 7919) % 5000}/${"x".repeat(((i * 7919) % 5000) % 40)}`);
      expect(cachedUtf8(again, 0, again.length)).toBe(new TextDecoder().decode(again));
    }
  });

  it("strings of every length up to the largest cached, each twice", () => {
    for (let len = 0; len <= MAX_CACHED_BYTES; len++) {
      for (const fill of ["a", "b"]) {
        const s = fill.repeat(len);
        const b = utf8.encode(s);
        expect(cachedUtf8(b, 0, len)).toBe(s);
        expect(cachedUtf8(Uint8Array.from(b), 0, len)).toBe(s);
      }
    }
  });

  it("never caches invalid UTF-8", () => {
    const bad = Uint8Array.from([0x61, 0xff, 0x62]);
    expect(cachedUtf8(bad, 0, 3)).toBeUndefined();
    expect(cachedUtf8(bad, 0, 3)).toBeUndefined();
  });
});
