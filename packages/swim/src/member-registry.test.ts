import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemberRegistry } from "./member-registry.js";

const EMPTY = new Uint8Array(0);

/** What a record says, as a string: the registry must intern exactly by this. */
function contentOf(r: MemberRegistry, id: number): string {
  return JSON.stringify([
    r.nameOf(id),
    String(r.incarnation(id)),
    r.generation(id),
    r.addresses(id),
    [...r.meta(id)],
  ]);
}

const claim = fc.record({
  name: fc.constantFrom("a", "b", "c", "d", "e"),
  incarnation: fc.bigInt({ min: 0n, max: 3n }),
  generation: fc.integer({ min: 0, max: 2 }),
  addresses: fc.constantFrom([], ["mem://a"], ["mem://b", "udp://b:1"]),
  meta: fc.constantFrom(EMPTY, new Uint8Array([1]), new Uint8Array([1, 2])),
});

describe("MemberRegistry", () => {
  it("interns by content and frees a record (and its name) with its last reference", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("intern" as const), claim }),
      fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("derive" as const), pick: fc.nat(), claim }),
    );
    fc.assert(
      fc.property(fc.integer(), fc.array(op, { minLength: 20, maxLength: 200 }), (seed, ops) => {
        const registry = new MemberRegistry(seed);
        // Every reference held, as record ids, and the content each id had when taken.
        const held: number[] = [];
        const content = new Map<number, string>();
        const take = (id: number): void => {
          const now = contentOf(registry, id);
          // A live id always says the same thing; equal content is always the same id.
          if (held.includes(id)) expect(content.get(id)).toBe(now);
          for (const other of held) expect(other === id).toBe(content.get(other) === now);
          held.push(id);
          content.set(id, now);
        };
        for (const o of ops) {
          if (o.kind === "intern") {
            const c = o.claim;
            take(registry.intern(c.name, c.incarnation, c.generation, c.addresses, c.meta));
          } else if (held.length > 0) {
            const at = o.pick % held.length;
            const id = held[at]!;
            if (o.kind === "derive") {
              const c = o.claim;
              const steps = [
                (r: number) => registry.withIncarnation(r, c.incarnation),
                (r: number) => registry.withGeneration(r, c.generation),
                (r: number) => registry.withAddresses(r, c.addresses),
                (r: number) => registry.withMeta(r, c.meta),
              ];
              const derived = steps[o.pick % steps.length]!(id);
              expect(registry.nameOf(derived)).toBe(registry.nameOf(id));
              take(derived);
            }
            held.splice(at, 1);
            registry.release(id);
          }
          const live = new Set(held.map((id) => content.get(id)));
          expect(registry.size).toBe(live.size);
          const names = new Set(held.map((id) => registry.nameOf(id)));
          expect(registry.names).toBe(names.size);
          for (const name of ["a", "b", "c", "d", "e"]) {
            expect(registry.nameId(name) >= 0).toBe(names.has(name));
          }
          for (const id of new Set(held)) {
            expect(registry.refs(id)).toBe(held.filter((h) => h === id).length);
          }
        }
        for (const id of held) registry.release(id);
        expect(registry.size).toBe(0);
        expect(registry.names).toBe(0);
      }),
    );
  });

  it("keeps frozen copies of addresses and metadata, never the caller's objects", () => {
    const registry = new MemberRegistry();
    const addresses = ["mem://a"];
    const meta = new Uint8Array([7]);
    const id = registry.intern("a", 0n, 1, addresses, meta);
    addresses[0] = "mem://changed";
    meta[0] = 9;
    expect(registry.addresses(id)).toEqual(["mem://a"]);
    expect(Object.isFrozen(registry.addresses(id))).toBe(true);
    expect([...registry.meta(id)]).toEqual([7]);
    // The same content again (fresh objects, as every decoded message has) is the same record.
    expect(registry.intern("a", 0n, 1, ["mem://a"], new Uint8Array([7]))).toBe(id);
    expect(registry.refs(id)).toBe(2);
  });

  it("refuses incarnations outside uint64 and changes nothing", () => {
    const registry = new MemberRegistry();
    expect(() => registry.intern("a", 2n ** 64n, 1, [], EMPTY)).toThrow(RangeError);
    expect(() => registry.intern("a", -1n, 1, [], EMPTY)).toThrow(RangeError);
    const id = registry.intern("b", 2n ** 64n - 1n, 1, [], EMPTY);
    expect(registry.incarnation(id)).toBe(2n ** 64n - 1n);
    expect(registry.size).toBe(1);
  });

  it("reuses the ids of freed names and records (bounded by what is held at once)", () => {
    const registry = new MemberRegistry(3);
    for (let round = 0; round < 50; round++) {
      const ids = Array.from({ length: 100 }, (_, i) =>
        registry.intern(`r${round}-n${i}`, BigInt(round), 1, [`mem://n${i}`], EMPTY),
      );
      expect(registry.size).toBe(100);
      for (const id of ids) registry.release(id);
    }
    expect(registry.size).toBe(0);
    expect(registry.names).toBe(0);
    expect(registry.nameIdEnd).toBeLessThan(200);
  });
});
