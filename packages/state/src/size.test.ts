import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deltaEntrySize, digestEntrySize, ownerDeltaSize, utf8Length, varintSize } from "./size.js";

/**
 * A minimal protobuf writer, independent of the estimator, that writes every field (defaults
 * included) with the given field numbers: what the estimator must never under-estimate.
 */
class Writer {
  readonly out: number[] = [];
  varint(value: number): void {
    let v = BigInt(value);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      this.out.push(byte);
    } while (v > 0n);
  }
  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }
  uint(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }
  bool(field: number, value: boolean): void {
    this.uint(field, value ? 1 : 0);
  }
  bytes(field: number, data: Uint8Array | number[]): void {
    this.tag(field, 2);
    this.varint(data.length);
    for (const b of data) this.out.push(b);
  }
  string(field: number, text: string): void {
    this.bytes(field, Array.from(new TextEncoder().encode(text)));
  }
  embedded(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.out);
  }
}

/** Every field number of the state messages in `proto/grapevine.proto` is below 16. */
const fieldNumber = fc.integer({ min: 1, max: 15 });
const version = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeInteger().map(Math.abs));
const deltaEntry = fc.record({
  key: fc.string({ unit: "grapheme", maxLength: 40 }),
  value: fc.uint8Array({ maxLength: 300 }),
  version,
  tombstone: fc.boolean(),
});

function encodeDeltaEntry(w: Writer, e: DeltaEntryLike, f: number[]): void {
  w.string(f[0]!, e.key);
  w.bytes(f[1]!, e.value);
  w.uint(f[2]!, e.version);
  w.bool(f[3]!, e.tombstone);
}
interface DeltaEntryLike {
  key: string;
  value: Uint8Array;
  version: number;
  tombstone: boolean;
}

describe("varintSize and utf8Length", () => {
  it("match a real encoder at every boundary", () => {
    for (let bits = 0; bits <= 53; bits++) {
      for (const v of [2 ** bits - 1, 2 ** bits, 2 ** bits + 1]) {
        if (v > Number.MAX_SAFE_INTEGER) continue;
        const w = new Writer();
        w.varint(v);
        expect(varintSize(v), `${v}`).toBe(w.out.length);
      }
    }
    expect(varintSize(Number.MAX_SAFE_INTEGER)).toBe(8);
    expect(varintSize(2 ** 53)).toBe(10);
    expect(varintSize(-1)).toBe(10);
  });

  it("count UTF-8 bytes like TextEncoder, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe("size estimates are upper bounds of the protobuf encoding", () => {
  it("for digest entries, with any field numbers below 16", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 60 }),
        version,
        version,
        fc.array(fieldNumber, { minLength: 4, maxLength: 4 }),
        (owner, generation, maxVersion, f) => {
          const w = new Writer();
          w.embedded(f[0]!, (m) => {
            m.string(f[1]!, owner);
            m.uint(f[2]!, generation);
            m.uint(f[3]!, maxVersion);
          });
          expect(digestEntrySize(owner, generation, maxVersion)).toBeGreaterThanOrEqual(
            w.out.length,
          );
        },
      ),
      { seed: 1, numRuns: 300 },
    );
  });

  it("for owner deltas and their entries, with any field numbers below 16", () => {
    fc.assert(
      fc.property(
        fc.record({
          owner: fc.string({ unit: "grapheme", maxLength: 60 }),
          generation: version,
          fromVersion: version,
          reset: fc.boolean(),
          heartbeat: version,
          maxVersion: version,
          entries: fc.array(deltaEntry, { maxLength: 12 }),
        }),
        fc.array(fieldNumber, { minLength: 13, maxLength: 13 }),
        (delta, f) => {
          const w = new Writer();
          w.embedded(f[0]!, (m) => {
            m.string(f[1]!, delta.owner);
            m.uint(f[2]!, delta.generation);
            m.uint(f[3]!, delta.fromVersion);
            m.bool(f[4]!, delta.reset);
            m.uint(f[5]!, delta.heartbeat);
            m.uint(f[6]!, delta.maxVersion);
            for (const e of delta.entries) {
              m.embedded(f[7]!, (x) => encodeDeltaEntry(x, e, f.slice(8)));
            }
          });
          expect(ownerDeltaSize(delta)).toBeGreaterThanOrEqual(w.out.length);
          for (const e of delta.entries) {
            const one = new Writer();
            one.embedded(f[7]!, (x) => encodeDeltaEntry(x, e, f.slice(8)));
            expect(deltaEntrySize(e)).toBeGreaterThanOrEqual(one.out.length);
          }
        },
      ),
      { seed: 2, numRuns: 300 },
    );
  });

  it("stays tight for typical entries (field numbers under 16)", () => {
    const f = [1, 2, 3, 4];
    const entry = {
      key: "service/http",
      value: new Uint8Array(24),
      version: 1234,
      tombstone: false,
    };
    const w = new Writer();
    w.embedded(7, (x) => encodeDeltaEntry(x, entry, f));
    const ratio = deltaEntrySize(entry) / w.out.length;
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThan(1.1);
  });
});
