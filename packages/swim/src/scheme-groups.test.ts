import type { MemberStatus } from "@grapevine/protocol";
import { seededRng } from "@grapevine/protocol";
import { describe, expect, it } from "vitest";
import { MemberTable } from "./members.js";
import { SchemeGroups } from "./scheme-groups.js";

const EMPTY = new Uint8Array(0);

function setup(ownSchemes: string[]) {
  const table = new MemberTable();
  return { table, groups: new SchemeGroups(ownSchemes, table) };
}

function listed(
  { table, groups }: ReturnType<typeof setup>,
  name: string,
  addresses: string[],
  status: MemberStatus = "alive",
): number {
  const slot = table.add(name, 0n, 0, status, addresses, EMPTY, 0);
  groups.assign(slot);
  groups.attach(slot);
  return slot;
}

describe("SchemeGroups", () => {
  it("interns one group per scheme set", () => {
    const { groups } = setup(["udp"]);
    expect(groups.groupFor(["udp://a", "ws://a"])).toBe(groups.groupFor(["ws://b", "udp://b"]));
    expect(groups.groupFor(["udp://a"])).not.toBe(groups.groupFor(["ws://a"]));
    expect(groups.groupFor(["ws://a"]).sendable).toBe(false);
  });

  it("draws relays we can send to that share a scheme with the target", () => {
    const g = setup(["udp"]);
    const { groups } = g;
    const target = listed(g, "t", ["ws://t"]);
    listed(g, "udp-only", ["udp://u"]);
    const bridge = listed(g, "bridge", ["udp://b", "ws://b"]);
    listed(g, "ws-only", ["ws://w"]);
    listed(g, "sick", ["udp://s", "ws://s"], "suspect");
    expect(groups.hasRelayFor(target)).toBe(true);
    for (let seed = 0; seed < 20; seed++) {
      expect(groups.sampleRelays(target, 3, seededRng(seed))).toEqual([bridge]);
    }
  });

  it("has no relay when no alive member bridges the schemes", () => {
    const g = setup(["udp"]);
    const { groups } = g;
    const target = listed(g, "t", ["ws://t"]);
    listed(g, "udp-only", ["udp://u"]);
    const bridge = listed(g, "bridge", ["udp://b", "ws://b"]);
    groups.detach(bridge);
    g.table.setStatus(bridge, "dead");
    groups.attach(bridge);
    expect(groups.hasRelayFor(target)).toBe(false);
    expect(groups.sampleRelays(target, 3, seededRng(1))).toEqual([]);
  });

  it("draws distinct relays, never the target itself", () => {
    const g = setup(["udp"]);
    const { groups } = g;
    const members = Array.from({ length: 6 }, (_, i) => listed(g, `m${i}`, [`udp://m${i}`]));
    const target = members[0]!;
    for (let seed = 0; seed < 50; seed++) {
      const relays = groups.sampleRelays(target, 3, seededRng(seed));
      expect(relays).toHaveLength(3);
      expect(new Set(relays).size).toBe(3);
      expect(relays).not.toContain(target);
    }
  });

  it("detach and attach keep slots consistent (swap-remove)", () => {
    const g = setup(["udp"]);
    const { groups } = g;
    const members = Array.from({ length: 5 }, (_, i) => listed(g, `m${i}`, [`udp://m${i}`]));
    groups.detach(members[1]!);
    groups.detach(members[1]!);
    const group = groups.groupFor(["udp://x"]);
    expect(group.live.length).toBe(4);
    expect(group.aliveCount).toBe(4);
    group.live.toArray().forEach((slot, i) => {
      expect(g.table.groupPosition(slot)).toBe(i);
    });
  });

  it("gossip targets include the dead not yet forgotten; push-pull peers only the alive", () => {
    const g = setup(["udp"]);
    const { groups } = g;
    const dead = listed(g, "d", ["udp://d"], "dead");
    expect(groups.sampleGossipTargets(3, seededRng(1))).toEqual([dead]);
    expect(groups.randomAlive(seededRng(1))).toBeUndefined();
    const alive = listed(g, "a", ["udp://a"]);
    expect(groups.randomAlive(seededRng(1))).toBe(alive);
    expect(groups.sampleGossipTargets(1, seededRng(1))).toHaveLength(1);
  });
});

describe("SchemeGroups.groupFor's single-address shortcut", () => {
  it("gives the same group as the full computation, whatever the order of lookups", () => {
    const addresses = [
      ["udp://a"],
      ["UDP://b"],
      ["ws://c"],
      ["udp://d"],
      ["udpx://e"],
      ["udp://f", "ws://f"],
      ["udp:/g"],
      ["udp://h"],
    ];
    const { groups } = setup(["udp"]);
    for (let round = 0; round < 3; round++) {
      for (const a of addresses) {
        expect(groups.groupFor(a).key).toBe(setup(["udp"]).groups.groupFor(a).key);
      }
    }
  });
});
