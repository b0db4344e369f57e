import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FORGOTTEN, IN_PROBE_ORDER, MemberTable, SlotList } from "./members.js";

const EMPTY = new Uint8Array(0);

function add(table: MemberTable, name: string, incarnation = 0n): number {
  return table.add(name, incarnation, 1, "alive", [`mem://${name}`], EMPTY, 0);
}

describe("MemberTable", () => {
  it("behaves as a map from name to member under any sequence of adds and forgets", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), name: fc.string({ maxLength: 6 }) }),
      fc.record({ kind: fc.constant("forget" as const), name: fc.string({ maxLength: 6 }) }),
    );
    fc.assert(
      fc.property(fc.integer(), fc.array(op, { maxLength: 300 }), (seed, ops) => {
        const table = new MemberTable(seed);
        const model = new Map<string, bigint>();
        let stamp = 0n;
        for (const { kind, name } of ops) {
          const slot = table.find(name);
          expect(slot >= 0).toBe(model.has(name));
          if (kind === "add" && slot < 0) {
            stamp += 1n;
            add(table, name, stamp);
            model.set(name, stamp);
          } else if (kind === "forget" && slot >= 0) {
            table.forget(slot);
            table.release(slot);
            model.delete(name);
          }
        }
        expect(table.size).toBe(model.size);
        for (const [name, incarnation] of model) {
          const slot = table.find(name);
          expect(table.name(slot)).toBe(name);
          expect(table.incarnation(slot)).toBe(incarnation);
        }
        let listed = 0;
        for (let slot = 0; slot < table.slotEnd; slot++) if (table.has(slot)) listed += 1;
        expect(listed).toBe(model.size);
      }),
    );
  });

  it("finds every remaining name after each deletion from a crowded index (backward shift)", () => {
    // 32 names in 64 cells: long probe runs; deleting in random order must never strand a name
    // behind a hole.
    for (let seed = 0; seed < 100; seed++) {
      const table = new MemberTable(seed);
      const names = Array.from({ length: 32 }, (_, i) => `member-${i}`);
      const slots = new Map(names.map((n) => [n, add(table, n)]));
      const order = fc.sample(fc.shuffledSubarray(names, { minLength: 32 }), {
        seed,
        numRuns: 1,
      })[0]!;
      for (const victim of order) {
        table.forget(slots.get(victim)!);
        slots.delete(victim);
        for (const [name, slot] of slots) expect(table.find(name)).toBe(slot);
        expect(table.find(victim)).toBe(-1);
      }
    }
  });

  it("keeps a forgotten slot out of reuse until it is released", () => {
    const table = new MemberTable();
    const a = add(table, "a");
    table.flags[a] = IN_PROBE_ORDER;
    table.forget(a);
    expect(table.find("a")).toBe(-1);
    expect(table.flags[a]).toBe(IN_PROBE_ORDER | FORGOTTEN);
    const b = add(table, "b");
    expect(b).not.toBe(a);
    table.release(a);
    expect(add(table, "c")).toBe(a);
    expect(table.flags[a]).toBe(0);
  });

  it("stores every uint64 incarnation exactly and refuses anything beyond", () => {
    const table = new MemberTable();
    const slot = add(table, "a", 2n ** 64n - 1n);
    expect(table.incarnation(slot)).toBe(2n ** 64n - 1n);
    expect(() => table.setIncarnation(slot, 2n ** 64n)).toThrow(RangeError);
    expect(() => table.setIncarnation(slot, -1n)).toThrow(RangeError);
    expect(table.incarnation(slot)).toBe(2n ** 64n - 1n);
  });

  it("keeps generations beyond 2^32 (millisecond timestamps)", () => {
    const table = new MemberTable();
    const slot = table.add("a", 0n, 1_764_000_000_000, "alive", [], EMPTY, 5);
    expect(table.generation(slot)).toBe(1_764_000_000_000);
    expect(table.view(slot)).toMatchObject({ name: "a", status: "alive", stateChangedAt: 5 });
  });

  it("grows to 10,000 members with every field intact", () => {
    const table = new MemberTable(99);
    for (let i = 0; i < 10_000; i++) {
      table.add(
        `n${i}`,
        BigInt(i),
        i,
        i % 2 === 0 ? "alive" : "suspect",
        [`mem://n${i}`],
        EMPTY,
        i,
      );
    }
    for (let i = 0; i < 10_000; i++) {
      const slot = table.find(`n${i}`);
      expect(table.view(slot)).toEqual({
        name: `n${i}`,
        status: i % 2 === 0 ? "alive" : "suspect",
        incarnation: BigInt(i),
        generation: i,
        addresses: [`mem://n${i}`],
        meta: EMPTY,
        stateChangedAt: i,
      });
    }
  });
});

describe("SlotList", () => {
  it("pushes, pops and sets like an array", () => {
    const list = new SlotList();
    const model: number[] = [];
    for (let i = 0; i < 1000; i++) {
      list.push(i);
      model.push(i);
      if (i % 3 === 0) expect(list.pop()).toBe(model.pop());
      if (i % 5 === 0 && model.length > 0) {
        list.set(0, -i);
        model[0] = -i;
      }
    }
    expect(list.toArray()).toEqual(model);
    expect(list.length).toBe(model.length);
  });
});
