import { schemesOf, sharesScheme } from "./addresses.js";
import { isLive, type Member } from "./members.js";
import { type Rng, randomIndex } from "./rng.js";

/**
 * All members that advertise the same set of transport schemes. Members are listed here so that
 * random peers (indirect probers, bridges, gossip targets) can be drawn in O(k) without scanning
 * the membership: a cluster has only a handful of distinct scheme sets.
 */
export class SchemeGroup {
  /** The sorted schemes joined with ",": the group's identity. */
  readonly key: string;
  readonly schemes: readonly string[];
  /** We share a scheme with these members, so we can send to them directly. */
  readonly sendable: boolean;
  /** Alive and suspect members. */
  readonly live: Member[] = [];
  /** Dead and left members not yet forgotten. */
  readonly dead: Member[] = [];
  /** How many of `live` are alive (not suspect). */
  aliveCount = 0;

  constructor(schemes: readonly string[], sendable: boolean) {
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
  private readonly groups = new Map<string, SchemeGroup>();
  private readonly bridgeCache = new Map<SchemeGroup, SchemeGroup[]>();
  /** Groups we can send to, rebuilt when a group is created. */
  private sendable: SchemeGroup[] = [];

  /** @param ownSchemes the schemes of our own addresses. */
  constructor(ownSchemes: readonly string[]) {
    this.ownSchemes = ownSchemes;
  }

  /** The (interned) group for a member advertising `addresses`. */
  groupFor(addresses: readonly string[]): SchemeGroup {
    const schemes = schemesOf(addresses);
    const key = schemes.join(",");
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new SchemeGroup(schemes, sharesScheme(schemes, this.ownSchemes));
      this.groups.set(key, group);
      this.bridgeCache.clear();
      if (group.sendable) this.sendable = [...this.sendable, group];
    }
    return group;
  }

  /** List `member` in its group according to its current status (call after changing it). */
  attach(member: Member): void {
    const group = member.group;
    if (group === undefined || member.slot >= 0) return;
    const list = isLive(member.status) ? group.live : group.dead;
    member.slot = list.length;
    list.push(member);
    if (member.status === "alive") group.aliveCount += 1;
  }

  /** Unlist `member` (call before changing its status or addresses). */
  detach(member: Member): void {
    const group = member.group;
    if (group === undefined || member.slot < 0) return;
    const list = isLive(member.status) ? group.live : group.dead;
    const last = list.pop()!;
    if (last !== member) {
      list[member.slot] = last;
      last.slot = member.slot;
    }
    member.slot = -1;
    if (member.status === "alive") group.aliveCount -= 1;
  }

  /**
   * Whether some alive member other than `target` can relay a probe to it: we can send to the
   * relay, and the relay shares a scheme with the target. O(number of scheme sets).
   */
  hasRelayFor(target: Member): boolean {
    for (const group of this.relayGroups(target)) {
      const others = group === target.group && target.status === "alive" ? 1 : 0;
      if (group.aliveCount - others > 0) return true;
    }
    return false;
  }

  /**
   * Up to `count` distinct alive members, other than `target`, that we can send to and that
   * share a scheme with `target` (SWIM §3.1's K random members for `ping-req`; bridges when we
   * share no scheme with the target ourselves). Expected O(count).
   */
  sampleRelays(target: Member, count: number, rng: Rng): Member[] {
    return this.sample(this.relayGroups(target), count, rng, false, (m) => m !== target);
  }

  /**
   * Up to `count` distinct members we can send to directly: alive or suspect members, plus
   * dead and left ones not yet forgotten (so that they learn they were declared dead).
   */
  sampleGossipTargets(count: number, rng: Rng): Member[] {
    return this.sample(this.sendable, count, rng, true, () => true);
  }

  /** One random alive member we can send to directly, if there is one. */
  randomAlive(rng: Rng): Member | undefined {
    return this.sample(this.sendable, 1, rng, false, () => true)[0];
  }

  private relayGroups(target: Member): SchemeGroup[] {
    const targetGroup = target.group;
    if (targetGroup === undefined) return [];
    let cached = this.bridgeCache.get(targetGroup);
    if (cached === undefined) {
      cached = [...this.groups.values()].filter(
        (g) => g.sendable && sharesScheme(g.schemes, targetGroup.schemes),
      );
      this.bridgeCache.set(targetGroup, cached);
    }
    return cached;
  }

  private sample(
    groups: readonly SchemeGroup[],
    count: number,
    rng: Rng,
    includeDead: boolean,
    accept: (m: Member) => boolean,
  ): Member[] {
    let total = 0;
    for (const g of groups) total += g.live.length + (includeDead ? g.dead.length : 0);
    const chosen: Member[] = [];
    if (total === 0 || count <= 0) return chosen;
    const attempts = 3 * count + 8;
    for (let i = 0; i < attempts && chosen.length < count; i++) {
      let r = randomIndex(rng, total);
      let picked: Member | undefined;
      for (const g of groups) {
        if (r < g.live.length) {
          picked = g.live[r];
          break;
        }
        r -= g.live.length;
        if (includeDead) {
          if (r < g.dead.length) {
            picked = g.dead[r];
            break;
          }
          r -= g.dead.length;
        }
      }
      if (picked === undefined || chosen.includes(picked) || !accept(picked)) continue;
      if (!includeDead && picked.status !== "alive") continue;
      chosen.push(picked);
    }
    return chosen;
  }
}
