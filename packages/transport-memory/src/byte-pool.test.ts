import { describe, expect, it } from "vitest";
import { BytePool } from "./byte-pool.js";

describe("BytePool", () => {
  it("returns independent, aligned copies and moves to a new slab when one is full", () => {
    const pool = new BytePool(64, 16);
    const source = Uint8Array.of(1, 2, 3);
    const a = pool.copy(source);
    source[0] = 9;
    const b = pool.copy(source);
    expect([...a]).toEqual([1, 2, 3]);
    expect([...b]).toEqual([9, 2, 3]);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset % 8).toBe(0);
    const copies = Array.from({ length: 10 }, (_, i) => pool.copy(Uint8Array.of(i, i, i, i, i)));
    expect(new Set(copies.map((c) => c.buffer)).size).toBeGreaterThan(1);
    for (const [i, c] of copies.entries()) expect([...c]).toEqual([i, i, i, i, i]);
    const big = pool.copy(new Uint8Array(17));
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(17);
    expect(pool.copy(new Uint8Array(0)).byteLength).toBe(0);
  });
});
