import { isLive, type Rng, randomIndex } from "@grapevine/protocol";
import { canReach, schemesOf, sharesScheme } from "./addresses.js";
import { GROUPED, type MemberTable, SlotList } from "./members.js";

/**
 * All members that advertise the same set of transport schemes. Members are listed here (by
 * slot in the {@link MemberTable}) so that random peers (indirect probers, bridges, gossip
 * targets) can be drawn in O(k) without scanning the membership: a cluster has only a handful of
 * distinct scheme sets.
 */
export class SchemeGroup {
  /** Position in {@link SchemeGroups}: the id stored in the member table. */
  readonly id: number;
  /** The sorted schemes joined with ",": the group's identity. */
  readonly key: string;
  readonly schemes: readonly string[];
  /** We share a scheme with these members, so we can send to them directly. */
  readonly sendable: boolean;
  /** Slots of alive and suspect members. */
  readonly live = new SlotList();
  /** Slots of dead and left members not yet forgotten. */
  readonly dead = new SlotList();
  /** How many of `live` are alive (not suspect). */
  aliveCount = 0;

  constructor(id: number, schemes: readonly string[], sendable: boolean) {
    this.id = id;
    this.schemes = schemes;
    this.key = schemes.join(",");
    this.sendable = sendable;
  }
}

/**
 * The membership indexed by transport signature, with the random draws the protocol needs:
 * indirect probers that can reach a target (bridges when we cannot reach it ourselves), gossip
 * targets, and push-pull peers. Listing a member, moving it and unlisting it are O(1).
 */
export class SchemeGroups {
  private readonly ownSchemes: readonly string[];
  private readonly table: MemberTable;
  private readonly byKey = new Map<string, SchemeGroup>();
  private readonly all: SchemeGroup[] = [];
  private readonly bridgeCache = new Map<SchemeGroup, SchemeGroup[]>();
  /** Groups we can send to, rebuilt when a group is created. */
  private sendable: SchemeGroup[] = [];
  /** The last single-scheme group looked up, and its `scheme://` prefix: the common case. */
  private lastGroup: SchemeGroup | undefined = undefined;
  private lastPrefix = "";

  /**
   * @param ownSchemes the schemes of our own addresses.
   * @param table the member table whose slots are listed.
   */
  constructor(ownSchemes: readonly string[], table: MemberTable) {
    this.ownSchemes = ownSchemes;
    this.table = table;
  }

  /** The (interned) group for a member advertising `addresses`. */
  groupFor(addresses: readonly string[]): SchemeGroup {
    // Most members advertise one address of the scheme the previous one had: no allocation.
    if (addresses.length === 1 && this.lastGroup !== undefined) {
      if (addresses[0]!.startsWith(this.lastPrefix)) return this.lastGroup;
    }
    const schemes = schemesOf(addresses);
    const key = schemes.join(",");
    let group = this.byKey.get(key);
    if (group === undefined) {
      group = new SchemeGroup(this.all.length, schemes, sharesScheme(schemes, this.ownSchemes));
      this.byKey.set(key, group);
      this.all.push(group);
      this.bridgeCache.clear();
      if (group.sendable) this.sendable = [...this.sendable, group];
    }
    if (addresses.length === 1 && schemes.length === 1) {
      this.lastGroup = group;
      this.lastPrefix = `${schemes[0]}://`;
    }
    return group;
  }

  /**
   * The group `slot` belongs to, if it has been assigned one: the group of its current addresses
   * (so detach a member before changing its addresses, and assign it again after).
   */
  groupOf(slot: number): SchemeGroup | undefined {
    const table = this.table;
    if ((table.flags[slot]! & GROUPED) === 0) return undefined;
    return this.groupFor(table.addresses(slot));
  }

  /** Assign `slot` to the group of its current addresses (unlisted; call {@link attach} next). */
  assign(slot: number): void {
    this.groupFor(this.table.addresses(slot));
    this.table.flags[slot]! |= GROUPED;
  }

  /**
   * {@link assign} then {@link attach} for a member just added, with room made in its group's
   * list for `more` members to follow (a whole member list being listed).
   */
  list(slot: number, more = 0): void {
    this.listIn(this.groupFor(this.table.addresses(slot)), slot, more);
  }

  /** {@link list} into `group`, which must be the group of the member's addresses. */
  listIn(group: SchemeGroup, slot: number, more = 0): void {
    const table = this.table;
    table.flags[slot]! |= GROUPED;
    const list = isLive(table.status(slot)) ? group.live : group.dead;
    if (more > 0) list.reserve(list.length + 1 + more, table.narrowColumn);
    table.setGroupPosition(slot, list.length);
    list.push(slot);
    if (table.status(slot) === "alive") group.aliveCount += 1;
  }

  /** List `slot` in its group according to its current status (call after changing it). */
  attach(slot: number): void {
    const table = this.table;
    const group = this.groupOf(slot);
    if (group === undefined || table.groupPosition(slot) >= 0) return;
    const status = table.status(slot);
    const list = isLive(status) ? group.live : group.dead;
    table.setGroupPosition(slot, list.length);
    list.push(slot);
    if (status === "alive") group.aliveCount += 1;
  }

  /** Unlist `slot` (call before changing its status or addresses). */
  detach(slot: number): void {
    const table = this.table;
    const group = this.groupOf(slot);
    const at = table.groupPosition(slot);
    if (group === undefined || at < 0) return;
    const status = table.status(slot);
    const list = isLive(status) ? group.live : group.dead;
    const last = list.pop();
    if (last !== slot) {
      list.set(at, last);
      table.setGroupPosition(last, at);
    }
    table.setGroupPosition(slot, -1);
    if (status === "alive") group.aliveCount -= 1;
  }

  /**
   * Whether some alive member other than `target` can relay a probe to it: we can send to the
   * relay, and the relay shares a scheme with the target. O(number of scheme sets).
   */
  hasRelayFor(target: number): boolean {
    const own = this.groupOf(target);
    const targetAlive = this.table.status(target) === "alive";
    for (const group of this.relayGroups(target)) {
      const others = group === own && targetAlive ? 1 : 0;
      if (group.aliveCount - others > 0) return true;
    }
    return false;
  }

  /**
   * Up to `count` distinct alive members, other than `target`, that we can send to and that
   * share a scheme with `target` (SWIM §3.1's K random members for `ping-req`; bridges when we
   * share no scheme with the target ourselves). Expected O(count).
   */
  sampleRelays(target: number, count: number, rng: Rng): number[] {
    return this.sample(this.relayGroups(target), count, rng, false, target);
  }

  /**
   * Up to `count` distinct members we can send to directly: alive or suspect members, plus
   * dead and left ones not yet forgotten (so that they learn they were declared dead).
   */
  sampleGossipTargets(count: number, rng: Rng): number[] {
    return this.sample(this.sendable, count, rng, true, -1);
  }

  /** One random alive member we can send to directly, if there is one. */
  randomAlive(rng: Rng): number | undefined {
    return this.sample(this.sendable, 1, rng, false, -1)[0];
  }

  private relayGroups(target: number): SchemeGroup[] {
    const targetGroup = this.groupOf(target);
    if (targetGroup === undefined) return [];
    let cached = this.bridgeCache.get(targetGroup);
    if (cached === undefined) {
      cached = this.all.filter((g) => g.sendable && canReach(g.schemes, targetGroup.schemes));
      this.bridgeCache.set(targetGroup, cached);
    }
    return cached;
  }

  private sample(
    groups: readonly SchemeGroup[],
    count: number,
    rng: Rng,
    includeDead: boolean,
    exclude: number,
  ): number[] {
    let total = 0;
    for (const g of groups) total += g.live.length + (includeDead ? g.dead.length : 0);
    const chosen: number[] = [];
    if (total === 0 || count <= 0) return chosen;
    const attempts = 3 * count + 8;
    for (let i = 0; i < attempts && chosen.length < count; i++) {
      let r = randomIndex(rng, total);
      let picked = -1;
      for (const g of groups) {
        if (r < g.live.length) {
          picked = g.live.at(r);
          break;
        }
        r -= g.live.length;
        if (includeDead) {
          if (r < g.dead.length) {
            picked = g.dead.at(r);
            break;
          }
          r -= g.dead.length;
        }
      }
      if (picked < 0 || picked === exclude || chosen.includes(picked)) continue;
      if (!includeDead && this.table.status(picked) !== "alive") continue;
      chosen.push(picked);
    }
    return chosen;
  }
}
