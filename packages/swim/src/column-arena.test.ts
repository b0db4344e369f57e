import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ColumnArena } from "./column-arena.js";
import { MemberRegistry } from "./member-registry.js";
import { MemberTable } from "./members.js";

describe("ColumnArena", () => {
  it("hands out zeroed, aligned columns that never overlap", () => {
    const kind = fc.constantFrom(
      "int32" as const,
      "float64" as const,
      "uint16" as const,
      "uint8" as const,
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(kind, fc.nat(20_000)), { maxLength: 40 }), (requests) => {
        const arena = new ColumnArena(64 * 1024);
        const columns = requests.map(([k, n]) => arena[k](n));
        columns.forEach((c, i) => {
          expect(c.length).toBe(requests[i]![1]);
          expect(c.byteOffset % 8).toBe(0);
          expect(c.every((v) => v === 0)).toBe(true);
          c.fill(i + 1);
        });
        // Each still holds only what was written to it: no two share a byte.
        for (const [i, c] of columns.entries()) expect(c.every((v) => v === i + 1)).toBe(true);
      }),
    );
  });

  it("backs the large columns of tables sharing a registry, with every field intact", () => {
    const registry = new MemberRegistry(7, { arena: new ColumnArena(256 * 1024) });
    const tables = [0, 1, 2].map(() => new MemberTable(0, registry));
    tables.forEach((t, k) => {
      t.reserve(5_000);
      for (let i = 0; i < 5_000; i++) {
        t.add(`n${i}`, BigInt(k), 1, "alive", [`mem://n${i}`], new Uint8Array(0), i % 3);
      }
    });
    tables.forEach((t, k) => {
      for (let i = 0; i < 5_000; i += 97) {
        const slot = t.find(`n${i}`);
        expect(t.view(slot)).toMatchObject({ name: `n${i}`, incarnation: BigInt(k) });
        expect(t.stateChangedAt(slot)).toBe(i % 3);
      }
    });
  });
});
