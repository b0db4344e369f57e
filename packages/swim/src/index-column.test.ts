import { seededRng } from "@grapevine/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitting, grownColumn, isWide, NARROW_MAX } from "./index-column.js";
import { MemberRegistry } from "./member-registry.js";
import { MemberTable, SlotList } from "./members.js";
import { ProbeOrder } from "./probe-order.js";

describe("IndexColumn", () => {
  it("stays narrow for values that fit and widens, keeping every value, for one that does not", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 50 }),
        (values) => {
          let column: Uint16Array<ArrayBuffer> | Int32Array<ArrayBuffer> = new Uint16Array(
            values.length,
          );
          values.forEach((v, i) => {
            column = fitting(column, v);
            column[i] = v;
          });
          expect(Array.from(column)).toEqual(values);
          expect(isWide(column)).toBe(values.some((v) => v < 0 || v > NARROW_MAX));
        },
      ),
    );
  });

  it("grows to the width it has", () => {
    const narrow = grownColumn(Uint16Array.of(1, 2), 4);
    expect(narrow).toBeInstanceOf(Uint16Array);
    expect(Array.from(narrow)).toEqual([1, 2, 0, 0]);
    const wide = grownColumn(Int32Array.of(70_000), 3);
    expect(wide).toBeInstanceOf(Int32Array);
    expect(Array.from(wide)).toEqual([70_000, 0, 0]);
  });
});

describe("columns beyond 16 bits", () => {
  const MANY = NARROW_MAX + 10;

  it("a member table holds more members than a narrow column can number", () => {
    // A registry of 20 names first, so record and name ids run past the narrow limit too.
    const registry = new MemberRegistry(3);
    const other = new MemberTable(0, registry);
    for (let i = 0; i < 20; i++)
      other.add(`x${i}`, 0n, 1, "alive", [`mem://x${i}`], new Uint8Array(0), 0);
    const table = new MemberTable(0, registry);
    for (let i = 0; i < MANY; i++) {
      table.add(`n${i}`, BigInt(i), 1, "alive", [`mem://n${i}`], new Uint8Array(0), 0);
    }
    for (const i of [0, 1, NARROW_MAX - 1, NARROW_MAX, NARROW_MAX + 1, MANY - 1]) {
      const slot = table.find(`n${i}`);
      expect(slot).toBe(i);
      expect(table.view(slot)).toMatchObject({ name: `n${i}`, incarnation: BigInt(i) });
    }
    const last = table.find(`n${MANY - 1}`);
    table.setGroupPosition(last, NARROW_MAX + 3);
    expect(table.groupPosition(last)).toBe(NARROW_MAX + 3);
    table.setGroupPosition(last, -1);
    expect(table.groupPosition(last)).toBe(-1);
    expect(table.groupPosition(0)).toBe(-1);
  });

  it("a slot list and the probe walk hold slots beyond 16 bits", () => {
    const list = new SlotList();
    const order = new ProbeOrder(seededRng(5));
    const slots = [3, NARROW_MAX, NARROW_MAX + 1, 7, 2 ** 20];
    for (const s of slots) {
      list.push(s);
      order.insert(s);
    }
    expect(list.toArray()).toEqual(slots);
    list.set(0, 2 ** 21);
    expect(list.at(0)).toBe(2 ** 21);
    expect([...order.snapshot()].sort((a, b) => a - b)).toEqual([...slots].sort((a, b) => a - b));
  });
});
