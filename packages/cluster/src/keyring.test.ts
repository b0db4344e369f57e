import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { encodePacket, WIRE_VERSION } from "@grapevine/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Keyring, parseKeyringFile } from "./keyring.js";
import {
  associatedData,
  KeyringError,
  looksSealed,
  NONCE_BYTES,
  SEAL_OVERHEAD,
  SEAL_VERSION,
  TAG_BYTES,
} from "./keyring-format.js";

const AD = associatedData(WIRE_VERSION, "prod");
const b64 = (k: Uint8Array): string => Buffer.from(k).toString("base64");
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function expectOpens(ring: Keyring, sealed: Uint8Array, plaintext: Uint8Array, ad = AD): void {
  const r = ring.open(sealed, ad);
  expect(r.ok).toBe(true);
  if (r.ok) expect(Buffer.from(r.plaintext).equals(Buffer.from(plaintext))).toBe(true);
}

function expectFails(ring: Keyring, sealed: Uint8Array, code: string, ad = AD): void {
  const r = ring.open(sealed, ad);
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(KeyringError);
    expect(r.error.code).toBe(code);
  }
}

function thrown(f: () => unknown): KeyringError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KeyringError);
    return e as KeyringError;
  }
  throw new Error("expected a KeyringError");
}

const keyArb = fc
  .constantFrom(16, 24, 32)
  .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

describe("Keyring: seal and open", () => {
  it("SEAL_OVERHEAD is 29 and is exactly what sealing adds", () => {
    expect(SEAL_OVERHEAD).toBe(29);
    expect(SEAL_OVERHEAD).toBe(1 + NONCE_BYTES + TAG_BYTES);
    const ring = new Keyring([Keyring.generateKey()]);
    for (const n of [0, 1, 15, 16, 17, 1371, 1400, 65_536]) {
      expect(ring.seal(new Uint8Array(n), AD).length).toBe(n + SEAL_OVERHEAD);
    }
  });

  it("round-trips random payloads and associated data under every key size", () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.uint8Array({ maxLength: 2048 }),
        fc.uint8Array({ maxLength: 64 }),
        (key, plaintext, ad) => {
          const ring = new Keyring([key]);
          const sealed = ring.seal(plaintext, ad);
          expect(sealed.length).toBe(plaintext.length + SEAL_OVERHEAD);
          expect(sealed[0]).toBe(SEAL_VERSION);
          expect(looksSealed(sealed)).toBe(true);
          expectOpens(ring, sealed, plaintext, ad);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("seals under a fresh nonce every time", () => {
    const ring = new Keyring([Keyring.generateKey(128)]);
    const p = bytes("same plaintext");
    const nonces = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      nonces.add(Buffer.from(ring.seal(p, AD).subarray(1, 1 + NONCE_BYTES)).toString("hex"));
    }
    expect(nonces.size).toBe(1000);
  });

  it("any tampered byte (version, nonce, ciphertext, tag) fails without throwing", () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (key, plaintext, at, flip) => {
          const ring = new Keyring([key]);
          const sealed = ring.seal(plaintext, AD);
          const i = at % sealed.length;
          const bad = Uint8Array.from(sealed);
          bad[i]! ^= flip;
          const r = ring.open(bad, AD);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error.code).toBe(i === 0 ? "unknown-version" : "decrypt");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("truncated packets fail as truncated (too short) or decrypt (tag cut), never throw", () => {
    const ring = new Keyring([Keyring.generateKey()]);
    const sealed = ring.seal(bytes("hello, cluster"), AD);
    for (let n = 0; n < sealed.length; n++) {
      expectFails(ring, sealed.subarray(0, n), n < SEAL_OVERHEAD ? "truncated" : "decrypt");
    }
  });

  it("random junk never throws and never opens", () => {
    const ring = new Keyring([Keyring.generateKey(), Keyring.generateKey(192)]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 20 }), (p, ad) => {
        expect(ring.open(p, ad).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
    // Not even inputs of the wrong type.
    expect(ring.open("junk" as unknown as Uint8Array, AD).ok).toBe(false);
    expect(ring.open(new Uint8Array(40), undefined as unknown as Uint8Array).ok).toBe(false);
  });

  it("rejects a plaintext envelope as unknown-version, and looksSealed tells them apart", () => {
    const ring = new Keyring([Keyring.generateKey()]);
    const plain = encodePacket([{ type: "nack", seq: 1, source: "n1" }], { label: "prod" });
    expect(looksSealed(plain)).toBe(false);
    expect(looksSealed(new Uint8Array(0))).toBe(false);
    const padded = new Uint8Array(plain.length + SEAL_OVERHEAD);
    padded.set(plain);
    expectFails(ring, padded, "unknown-version");
  });

  it("wrong associated data (label, wire version, channel) fails with decrypt", () => {
    const ring = new Keyring([Keyring.generateKey()]);
    const sealed = ring.seal(bytes("x"), AD);
    expectFails(ring, sealed, "decrypt", associatedData(WIRE_VERSION, "staging"));
    expectFails(ring, sealed, "decrypt", associatedData(WIRE_VERSION, ""));
    expectFails(ring, sealed, "decrypt", associatedData(WIRE_VERSION + 1, "prod"));
    expectFails(ring, sealed, "decrypt", associatedData(WIRE_VERSION, "prod", "stream"));
    expectOpens(ring, sealed, bytes("x"), associatedData(WIRE_VERSION, "prod", "datagram"));
  });

  it("associatedData: distinct for distinct (version, label, channel); validates the version", () => {
    const seen = new Set<string>();
    for (const v of [0, 1, 2, 256, 0xffff_ffff]) {
      for (const label of ["", "a", "prod", "prod\u0000", "ürün"]) {
        for (const ch of ["datagram", "stream"] as const) {
          seen.add(Buffer.from(associatedData(v, label, ch)).toString("hex"));
        }
      }
    }
    expect(seen.size).toBe(5 * 5 * 2);
    expect(() => associatedData(-1, "")).toThrow(RangeError);
    expect(() => associatedData(1.5, "")).toThrow(RangeError);
    expect(() => associatedData(2 ** 32, "")).toThrow(RangeError);
  });

  it("a packet sealed under a key that is not installed fails with decrypt", () => {
    const a = new Keyring([Keyring.generateKey()]);
    const b = new Keyring([Keyring.generateKey()]);
    expectFails(b, a.seal(bytes("secret"), AD), "decrypt");
  });

  it("open errors are shared, frozen and stackless", () => {
    const ring = new Keyring([Keyring.generateKey()]);
    const r1 = ring.open(new Uint8Array(3), AD);
    const r2 = ring.open(new Uint8Array(3), AD);
    expect(!r1.ok && !r2.ok && r1.error === r2.error).toBe(true);
    if (!r1.ok) expect(Object.isFrozen(r1.error)).toBe(true);
  });
});

describe("Keyring: rotation", () => {
  it("install → use → remove, with old packets opening until their key is removed", () => {
    const oldKey = Keyring.generateKey();
    const newKey = Keyring.generateKey();
    const ring = new Keyring([oldKey]);
    const other = new Keyring([oldKey]); // a member not yet rotated
    const oldSealed = ring.seal(bytes("old"), AD);

    // Install: the new key opens, the old primary still seals.
    expect(ring.install(newKey)).toBe(Keyring.fingerprint(newKey));
    expect(ring.install(b64(newKey))).toBe(Keyring.fingerprint(newKey)); // idempotent
    expect(ring.size).toBe(2);
    expect(ring.primary).toBe(Keyring.fingerprint(oldKey));
    expectOpens(ring, oldSealed, bytes("old"));
    expectOpens(other, ring.seal(bytes("still old"), AD), bytes("still old"));

    // Use: seals with the new key; still opens the old.
    ring.use(newKey);
    expect(ring.primary).toBe(Keyring.fingerprint(newKey));
    const newSealed = ring.seal(bytes("new"), AD);
    expectFails(other, newSealed, "decrypt");
    expectFails(new Keyring([newKey]), oldSealed, "decrypt");
    expectOpens(new Keyring([newKey]), newSealed, bytes("new"));
    const r = ring.open(oldSealed, AD);
    expect(r.ok && r.fingerprint).toBe(Keyring.fingerprint(oldKey));
    const r2 = ring.open(newSealed, AD);
    expect(r2.ok && r2.fingerprint).toBe(Keyring.fingerprint(newKey));

    // Remove: old-sealed packets no longer open.
    expect(ring.remove(oldKey)).toBe(true);
    expect(ring.remove(oldKey)).toBe(false);
    expect(ring.size).toBe(1);
    expectFails(ring, oldSealed, "decrypt");
    expectOpens(ring, newSealed, bytes("new"));
  });

  it("refuses to use a key that is not installed, or to remove the primary", () => {
    const key = Keyring.generateKey();
    const ring = new Keyring([key]);
    expect(thrown(() => ring.use(Keyring.generateKey())).code).toBe("not-installed");
    expect(thrown(() => ring.remove(key)).code).toBe("remove-primary");
    expect(thrown(() => ring.remove(b64(key))).code).toBe("remove-primary");
    expect(ring.has(key)).toBe(true);
  });

  it("list: primary first, then installation order; fingerprint is the short SHA-256", () => {
    const [a, b, c] = [Keyring.generateKey(), Keyring.generateKey(128), Keyring.generateKey(192)];
    const ring = new Keyring([a, b, a]);
    ring.install(c);
    ring.use(c);
    const fp = (k: Uint8Array) => createHash("sha256").update(k).digest("hex").slice(0, 16);
    expect(ring.list()).toEqual([
      { fingerprint: fp(c), primary: true },
      { fingerprint: fp(a), primary: false },
      { fingerprint: fp(b), primary: false },
    ]);
  });
});

describe("Keyring: keys are never exposed", () => {
  it("list, toString, JSON and inspect show fingerprints, never key bytes", () => {
    const keys = [Keyring.generateKey(), Keyring.generateKey(128), Keyring.generateKey(192)];
    const ring = new Keyring(keys);
    const outputs = [
      JSON.stringify(ring),
      JSON.stringify({ nested: { ring } }),
      JSON.stringify(ring.list()),
      String(ring),
      `${ring}`,
      inspect(ring, { depth: 10, showHidden: true }),
      inspect({ ring }, { depth: 10, showHidden: true }),
      inspect(ring.list()),
    ];
    for (const out of outputs) {
      expect(out).toContain(Keyring.fingerprint(keys[0]!));
      for (const k of keys) {
        expect(out).not.toContain(b64(k));
        expect(out).not.toContain(Buffer.from(k).toString("hex"));
        expect(out).not.toContain(Buffer.from(k).toString("base64url"));
      }
    }
    expect(Object.keys(ring)).toEqual([]);
    expect(JSON.stringify(structuredClone(ring))).toBe("{}");
  });

  it("toKeyringFile is the one explicit export, and parses back to the same keyring", () => {
    const keys = [Keyring.generateKey(), Keyring.generateKey(128)];
    const ring = new Keyring(keys);
    ring.use(keys[1]!);
    const text = ring.toKeyringFile();
    expect(JSON.parse(text)).toEqual({ keys: [b64(keys[1]!), b64(keys[0]!)] });
    const back = parseKeyringFile(text);
    expect(back.list()).toEqual(ring.list());
    expectOpens(back, ring.seal(bytes("p"), AD), bytes("p"));
  });

  it("error messages never quote a key, even a malformed one", () => {
    const key = b64(Keyring.generateKey()).slice(0, 40); // valid base64, wrong length
    const junk = `${key}!!`;
    const errors = [
      thrown(() => new Keyring([key])),
      thrown(() => new Keyring([junk])),
      thrown(() => parseKeyringFile(`{"keys": ["${key}"]}`)),
      thrown(() => parseKeyringFile(`{"keys": ["${junk}"]}`)),
      thrown(() => parseKeyringFile(`{"keys": ["${key}" oops]}`)),
    ];
    for (const e of errors) {
      expect(e.message).not.toContain(key);
      expect(e.message).not.toContain(key.slice(0, 8));
    }
  });
});

describe("Keyring: construction and parsing errors", () => {
  it("keys: 16, 24 or 32 bytes; canonical base64 with or without padding", () => {
    for (const n of [16, 24, 32]) {
      const k = new Uint8Array(n).fill(7);
      expect(new Keyring([k]).size).toBe(1);
      expect(new Keyring([b64(k)]).primary).toBe(Keyring.fingerprint(k));
      expect(new Keyring([b64(k).replace(/=+$/, "")]).primary).toBe(Keyring.fingerprint(k));
      expect(new Keyring([` ${b64(k)}\n`]).primary).toBe(Keyring.fingerprint(k));
    }
    for (const n of [0, 1, 15, 17, 31, 33, 64]) {
      expect(thrown(() => new Keyring([new Uint8Array(n)])).code).toBe("bad-key-length");
      if (n > 0) {
        expect(thrown(() => new Keyring([b64(new Uint8Array(n))])).code).toBe("bad-key-length");
      }
    }
    const good = b64(new Uint8Array(32).fill(1));
    for (const bad of ["", "   ", "not base64!", `${good}=`, good.replace("A", "-"), "AAA=AAAA"]) {
      expect(thrown(() => new Keyring([bad])).code).toBe("bad-base64");
    }
    expect(thrown(() => new Keyring([])).code).toBe("no-keys");
    expect(thrown(() => new Keyring([42 as unknown as Uint8Array])).code).toBe("bad-base64");
  });

  it("generateKey: 128, 192 or 256 bits, random", () => {
    expect(Keyring.generateKey().length).toBe(32);
    expect(Keyring.generateKey(128).length).toBe(16);
    expect(Keyring.generateKey(192).length).toBe(24);
    expect(b64(Keyring.generateKey())).not.toBe(b64(Keyring.generateKey()));
    expect(thrown(() => Keyring.generateKey(512 as 256)).code).toBe("bad-key-length");
  });

  it("fromBase64: one key, or several separated by commas or whitespace, primary first", () => {
    const [a, b] = [Keyring.generateKey(), Keyring.generateKey(128)];
    expect(Keyring.fromBase64(b64(a)).list()).toEqual([
      { fingerprint: Keyring.fingerprint(a), primary: true },
    ]);
    const ring = Keyring.fromBase64(` ${b64(b)}, ${b64(a)}\n`);
    expect(ring.primary).toBe(Keyring.fingerprint(b));
    expect(ring.size).toBe(2);
    expect(thrown(() => Keyring.fromBase64("")).code).toBe("no-keys");
    expect(thrown(() => Keyring.fromBase64(" , ")).code).toBe("no-keys");
    expect(thrown(() => Keyring.fromBase64("%%%")).code).toBe("bad-base64");
    expect(thrown(() => Keyring.fromBase64(b64(new Uint8Array(20)))).code).toBe("bad-key-length");
  });

  it("parseKeyringFile: clear errors for every malformed file", () => {
    const k = b64(Keyring.generateKey());
    const cases: Array<[string, string, RegExp]> = [
      ["", "bad-file", /not valid JSON/],
      ["{", "bad-file", /not valid JSON/],
      ["[]", "bad-file", /JSON object/],
      ["null", "bad-file", /JSON object/],
      ['"keys"', "bad-file", /JSON object/],
      ["{}", "bad-file", /no "keys" array/],
      ['{"keys": "abc"}', "bad-file", /no "keys" array/],
      ['{"keys": []}', "bad-file", /empty/],
      [`{"keys": ["${k}", 3]}`, "bad-file", /keys\[1\] is not a string/],
      [`{"keys": ["${k}", "@@"]}`, "bad-base64", /keys\[1\]/],
      [`{"keys": ["${k}", "AAAA"]}`, "bad-key-length", /keys\[1\] is 3 bytes/],
    ];
    for (const [text, code, message] of cases) {
      const e = thrown(() => parseKeyringFile(text));
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
    }
    const ring = parseKeyringFile(`{"version": 1, "keys": ["${k}"]}`);
    expect(ring.primary).toBe(Keyring.fingerprint(k));
  });
});
