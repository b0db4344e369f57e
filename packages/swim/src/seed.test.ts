import type { MemberStatus, PushPullMember } from "@grapevine/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemberRegistry } from "./member-registry.js";
import { MemberTable } from "./members.js";
import { PreparedMembers } from "./prepared-members.js";
import { ProbeOrder } from "./probe-order.js";
import { seededRng } from "./rng.js";
import { type SchemeGroup, SchemeGroups } from "./scheme-groups.js";
import { seedAlive } from "./seed.js";

const SELF = "n0";

/** A table as a node has it before seeding: ourselves, maybe a few members already known. */
function node(registry: MemberRegistry, known: readonly PushPullMember[], rngSeed: number) {
  const table = new MemberTable(0, registry);
  const groups = new SchemeGroups(["mem", "udp"], table);
  const rng = seededRng(rngSeed);
  const order = new ProbeOrder(rng);
  table.add(SELF, 0n, 1, "alive", ["mem://n0"], new Uint8Array(0), 0);
  for (const m of known) {
    if (table.find(m.name) >= 0) continue;
    const slot = table.add(m.name, m.incarnation, m.generation, m.status, m.addresses, m.meta, 1);
    groups.list(slot);
  }
  let implausible = 0;
  const plausible = (incarnation: bigint): boolean => {
    if (incarnation < 2n ** 64n - 1n) return true;
    implausible += 1;
    return false;
  };
  return { table, groups, order, name: SELF, rng, plausible, implausible: () => implausible };
}

/** Everything seeding can change, as plain data. */
function snapshot(n: ReturnType<typeof node>, listed: number) {
  const slots = [];
  for (let slot = 0; slot < n.table.slotEnd; slot++) {
    slots.push({
      ...n.table.view(slot),
      flags: n.table.flags[slot],
      groupSlot: n.table.groupPosition(slot),
      group: n.groups.groupOf(slot)?.id,
    });
  }
  const all = (n.groups as unknown as { all: SchemeGroup[] }).all.map((g) => ({
    key: g.key,
    live: g.live.toArray(),
    dead: g.dead.toArray(),
    alive: g.aliveCount,
  }));
  return {
    listed,
    slots,
    all,
    order: n.order.snapshot(),
    next: n.rng.next(),
    implausible: n.implausible(),
  };
}

const member = fc.record({
  name: fc.constantFrom("n0", "n1", "n2", "n3", "n4", "n5", "n6"),
  incarnation: fc.constantFrom(0n, 1n, 7n, 2n ** 64n - 2n, 2n ** 64n - 1n),
  generation: fc.constantFrom(1, 2),
  status: fc.constantFrom<MemberStatus>("alive", "alive", "alive", "suspect", "dead", "left"),
  addresses: fc.constantFrom(["mem://x"], ["udp://x:1"], ["udp://x:1", "ws://x"], ["ws://x"]),
  meta: fc.constantFrom(new Uint8Array(0), new Uint8Array([1])),
});

describe("seeding from a prepared list", () => {
  it("does exactly what seeding from the list does, and leaves no record behind", () => {
    fc.assert(
      fc.property(
        fc.array(member, { maxLength: 20 }),
        fc.array(member, { maxLength: 4 }),
        fc.nat(),
        (members, known, rngSeed) => {
          const plain = node(new MemberRegistry(1), known, rngSeed);
          const listedPlain = seedAlive(plain, members, 5);
          const registry = new MemberRegistry(2);
          const fast = node(registry, known, rngSeed);
          const prepared = new PreparedMembers(registry, members);
          const listedFast = seedAlive(fast, prepared, 5);
          expect(snapshot(fast, listedFast)).toEqual(snapshot(plain, listedPlain));
          prepared.release();
          // Only what the table holds is left: one record per entry it refers to.
          const held = new Set<number>();
          for (let slot = 0; slot < fast.table.slotEnd; slot++) {
            if (fast.table.has(slot)) held.add(slot);
          }
          expect(registry.size).toBeLessThanOrEqual(held.size);
          fast.table.releaseAll();
          expect(registry.size).toBe(0);
        },
      ),
    );
  });

  it("in one pass (every member alive, one scheme set) does what one at a time does", () => {
    const alive = fc.record({
      name: fc.constantFrom("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"),
      incarnation: fc.constantFrom(0n, 1n, 7n),
      generation: fc.constantFrom(1, 2),
      status: fc.constant<MemberStatus>("alive"),
      addresses: fc.constant(["udp://x:1"]),
      meta: fc.constantFrom(new Uint8Array(0), new Uint8Array([1])),
    });
    fc.assert(
      fc.property(
        fc.array(alive, { minLength: 1, maxLength: 30 }),
        fc.array(alive, { maxLength: 4 }),
        fc.nat(),
        fc.constantFrom(1, 5),
        fc.boolean(),
        (members, known, rngSeed, now, freeSlot) => {
          const seedBoth = (
            n: ReturnType<typeof node>,
            list: PushPullMember[] | PreparedMembers,
          ) => {
            if (freeSlot && n.table.size > 1) {
              // A forgotten, released slot: seeding must reuse it as one at a time does.
              const slot = n.table.slotEnd - 1;
              n.groups.detach(slot);
              n.table.forget(slot);
              n.table.release(slot);
            }
            return seedAlive(n, list, now);
          };
          const plain = node(new MemberRegistry(1), known, rngSeed);
          const listedPlain = seedBoth(plain, members);
          const registry = new MemberRegistry(2);
          const fast = node(registry, known, rngSeed);
          const prepared = new PreparedMembers(registry, members);
          expect(prepared.allListable).toBe(true);
          const listedFast = seedBoth(fast, prepared);
          expect(snapshot(fast, listedFast)).toEqual(snapshot(plain, listedPlain));
          prepared.release();
          fast.table.releaseAll();
          expect(registry.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("falls back to the list itself for a table of another registry, or once released", () => {
    const members: PushPullMember[] = ["n1", "n2"].map((name) => ({
      name,
      incarnation: 0n,
      generation: 1,
      status: "alive",
      addresses: [`mem://${name}`],
      meta: new Uint8Array(0),
    }));
    const prepared = new PreparedMembers(new MemberRegistry(), members);
    const other = node(new MemberRegistry(), [], 1);
    expect(seedAlive({ ...other, plausible: () => true }, prepared, 0)).toBe(2);
    prepared.release();
    const same = node(prepared.registry, [], 1);
    expect(seedAlive({ ...same, plausible: () => true }, prepared, 0)).toBe(2);
    expect(same.table.find("n2")).toBe(2);
  });

  it("throws for an incarnation no table can hold, as seeding from the list does", () => {
    const bad: PushPullMember = {
      name: "n1",
      incarnation: -1n,
      generation: 1,
      status: "alive",
      addresses: [],
      meta: new Uint8Array(0),
    };
    const registry = new MemberRegistry();
    const n = node(registry, [], 1);
    const prepared = new PreparedMembers(registry, [bad]);
    expect(() => seedAlive({ ...n, plausible: () => true }, prepared, 0)).toThrow(RangeError);
    const m = node(new MemberRegistry(), [], 1);
    expect(() => seedAlive({ ...m, plausible: () => true }, [bad], 0)).toThrow(RangeError);
  });
});
