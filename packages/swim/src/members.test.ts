import type { MemberStatus } from "@grapevine/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemberRegistry } from "./member-registry.js";
import {
  FORGOTTEN,
  GROUPED,
  IN_PROBE_ORDER,
  MemberTable,
  type MemberView,
  SlotList,
} from "./members.js";

const EMPTY = new Uint8Array(0);

function add(table: MemberTable, name: string, incarnation = 0n, at = 0): number {
  return table.add(name, incarnation, 1, "alive", [`mem://${name}`], EMPTY, at);
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

  it("keeps one change time for all while they agree, and each its own once they differ", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(30), fc.constantFrom(0, 0, 0, 5, -0)), { maxLength: 60 }),
        (ops) => {
          const table = new MemberTable();
          const model = new Map<number, number>();
          for (const [i, at] of ops) {
            const slot = table.find(`m${i}`);
            if (slot < 0) model.set(add(table, `m${i}`, 0n, at), at);
            else if (i % 3 === 0) {
              table.forget(slot);
              table.release(slot);
              model.delete(slot);
            } else {
              table.setStateChangedAt(slot, at);
              model.set(slot, at);
            }
            for (const [s, t] of model) expect(Object.is(table.stateChangedAt(s), t)).toBe(true);
          }
        },
      ),
    );
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

describe("MemberTable sharing a registry", () => {
  const STATUSES: MemberStatus[] = ["alive", "suspect", "dead", "left"];
  const name = fc.constantFrom("a", "b", "c", "d");
  const op = fc.oneof(
    fc.record({ kind: fc.constant("add" as const), table: fc.nat(2), name, gen: fc.nat(2) }),
    fc.record({ kind: fc.constant("forget" as const), table: fc.nat(2), name }),
    fc.record({ kind: fc.constant("incarnation" as const), table: fc.nat(2), name, v: fc.nat(3) }),
    fc.record({ kind: fc.constant("generation" as const), table: fc.nat(2), name, v: fc.nat(3) }),
    fc.record({ kind: fc.constant("addresses" as const), table: fc.nat(2), name, v: fc.nat(2) }),
    fc.record({ kind: fc.constant("meta" as const), table: fc.nat(2), name, v: fc.nat(2) }),
    fc.record({ kind: fc.constant("status" as const), table: fc.nat(2), name, v: fc.nat(3) }),
    fc.record({ kind: fc.constant("flags" as const), table: fc.nat(2), name, v: fc.nat(1) }),
    fc.record({ kind: fc.constant("dispose" as const), table: fc.nat(2) }),
  );
  const addressesOf = (n: string, v: number): string[] =>
    [[`mem://${n}`], [`udp://${n}:1`, `mem://${n}`], []][v]!;
  const metaOf = (v: number): Uint8Array => new Uint8Array(v === 0 ? [] : [v, v]);

  it("each table reads only its own changes, and releasing them all empties the registry", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(op, { minLength: 40, maxLength: 250 }), (seed, ops) => {
        const registry = new MemberRegistry(seed);
        const tables = [0, 1, 2].map(() => new MemberTable(0, registry));
        const models = [0, 1, 2].map(() => new Map<string, Omit<MemberView, "name">>());
        // The bits the probe walk and the scheme groups set, per table and name.
        const bits = [0, 1, 2].map(() => new Map<string, number>());
        for (const o of ops) {
          const table = tables[o.table]!;
          const model = models[o.table]!;
          if (o.kind === "dispose") {
            table.releaseAll();
            model.clear();
            bits[o.table]!.clear();
            continue;
          }
          const slot = table.find(o.name);
          const held = model.get(o.name);
          expect(slot >= 0).toBe(held !== undefined);
          if (o.kind === "add") {
            if (held !== undefined) continue;
            const addresses = addressesOf(o.name, 0);
            const at = model.size;
            table.add(o.name, 0n, o.gen, "alive", addresses, metaOf(0), at);
            model.set(o.name, {
              status: "alive",
              incarnation: 0n,
              generation: o.gen,
              addresses,
              meta: metaOf(0),
              stateChangedAt: at,
            });
            continue;
          }
          if (held === undefined) continue;
          switch (o.kind) {
            case "forget":
              table.forget(slot);
              table.release(slot);
              model.delete(o.name);
              bits[o.table]!.delete(o.name);
              break;
            case "incarnation":
              table.setIncarnation(slot, BigInt(o.v));
              model.set(o.name, { ...held, incarnation: BigInt(o.v) });
              break;
            case "generation":
              table.setGeneration(slot, o.v);
              model.set(o.name, { ...held, generation: o.v });
              break;
            case "addresses":
              table.setAddresses(slot, addressesOf(o.name, o.v));
              model.set(o.name, { ...held, addresses: addressesOf(o.name, o.v) });
              break;
            case "meta":
              table.setMeta(slot, metaOf(o.v));
              model.set(o.name, { ...held, meta: metaOf(o.v) });
              break;
            case "status":
              table.setStatus(slot, STATUSES[o.v]!);
              table.setStateChangedAt(slot, -o.v);
              model.set(o.name, { ...held, status: STATUSES[o.v]!, stateChangedAt: -o.v });
              break;
            case "flags":
              // The probe walk and the scheme groups flip their bits; the status must not move.
              {
                const bit = o.v === 0 ? IN_PROBE_ORDER : GROUPED;
                table.flags[slot]! ^= bit;
                bits[o.table]!.set(o.name, (bits[o.table]!.get(o.name) ?? 0) ^ bit);
              }
              break;
          }
          // A view is a copy: writing to it changes nothing held anywhere.
          const view = table.view(slot);
          if (view.meta.length > 0) view.meta[0] = 99;
        }
        tables.forEach((table, i) => {
          const model = models[i]!;
          expect(table.size).toBe(model.size);
          for (const [n, m] of model) {
            const { name: viewed, ...rest } = table.view(table.find(n));
            expect(viewed).toBe(n);
            expect(rest).toEqual(m);
            expect(Object.isFrozen(rest.addresses)).toBe(true);
            const flags = table.flags[table.find(n)]! & (IN_PROBE_ORDER | GROUPED);
            expect(flags).toBe(bits[i]!.get(n) ?? 0);
          }
        });
        // Every record is referred to by some table entry; none is left behind.
        const held = new Set<string>();
        for (const table of tables) {
          for (let slot = 0; slot < table.slotEnd; slot++) {
            if (!table.has(slot)) continue;
            const { status: _status, ...record } = table.toPushPull(slot);
            held.add(JSON.stringify(record, stringifyBig));
          }
        }
        expect(registry.size).toBe(held.size);
        for (const table of tables) table.releaseAll();
        expect(registry.size).toBe(0);
        expect(registry.names).toBe(0);
      }),
    );
  });

  it("finds names interned after it was built, however the registry's name space grew", () => {
    const registry = new MemberRegistry(5);
    const first = new MemberTable(0, registry);
    for (let i = 0; i < 1000; i++) add(first, `n${i}`);
    const second = new MemberTable(0, registry);
    expect(second.find("n999")).toBe(-1);
    const slot = add(second, "n999");
    expect(second.find("n999")).toBe(slot);
    expect(second.find("n998")).toBe(-1);
    for (let i = 1000; i < 3000; i++) add(second, `n${i}`);
    expect(second.find("n2999")).toBe(second.slotEnd - 1);
    expect(first.find("n2999")).toBe(-1);
    expect(registry.size).toBe(3000);
  });

  it("hands out copies of metadata (views and push-pull entries), never the shared bytes", () => {
    const registry = new MemberRegistry();
    const a = new MemberTable(0, registry);
    const b = new MemberTable(0, registry);
    const meta = new Uint8Array([1, 2, 3]);
    const sa = a.add("m", 0n, 1, "alive", ["mem://m"], meta, 0);
    const sb = b.add("m", 0n, 1, "alive", ["mem://m"], meta, 0);
    a.view(sa).meta.fill(0);
    a.toPushPull(sa).meta.fill(0);
    meta.fill(0);
    expect([...b.view(sb).meta]).toEqual([1, 2, 3]);
    expect([...a.meta(sa)]).toEqual([1, 2, 3]);
    expect(registry.size).toBe(1);
  });
});

function stringifyBig(_key: string, value: unknown): unknown {
  return typeof value === "bigint"
    ? String(value)
    : value instanceof Uint8Array
      ? [...value]
      : value;
}

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
