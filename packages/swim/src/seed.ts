import type { PushPullMember } from "@grapevine/codec";
import { IN_PROBE_ORDER, type MemberTable } from "./members.js";
import type { ProbeOrder } from "./probe-order.js";
import type { SchemeGroups } from "./scheme-groups.js";

/**
 * A member list prepared to seed many tables (`PreparedMembers`): it seeds a table itself, with
 * exactly the outcome of {@link seedAlive} from {@link members}. Kept apart from the list so that
 * the preparation's code comes along only where it is used (a simulator, not a browser).
 */
export interface SeedList {
  /** The list as given. */
  readonly members: readonly PushPullMember[];
  /** {@link seedAlive} of {@link members} into `target`. */
  seedInto(target: SeedTarget, now: number): number;
}

/** What seeding lists members in and judges them by: a detector's membership (`Membership`). */
export interface SeedTarget {
  readonly table: MemberTable;
  readonly groups: SchemeGroups;
  readonly order: ProbeOrder;
  /** Our own name: never listed. */
  readonly name: string;
  /** Whether an incarnation is one to take (false skips the member). */
  plausible(incarnation: bigint): boolean;
}

/** Whether `members` is a {@link SeedList} rather than a plain list. */
export function isSeedList(members: readonly PushPullMember[] | SeedList): members is SeedList {
  return !Array.isArray(members);
}

/**
 * Lists the unknown alive members of `members` in `target`'s table as members everyone already
 * knows (see `Swim.seed`): each is added alive at `now`, listed in its scheme group and inserted
 * into the probe walk, in list order; members held already, ourselves (`target.name`), other
 * statuses and implausible incarnations (`target.plausible` false) are skipped. Returns how many were listed.
 *
 * A simulator seeds N tables of N members, so this is the O(N²) part of starting one: one name
 * lookup per member and no allocation, or none at all with a prepared list (`PreparedMembers`).
 */
export function seedAlive(
  target: SeedTarget,
  members: readonly PushPullMember[] | SeedList,
  now: number,
): number {
  if (isSeedList(members)) return members.seedInto(target, now);
  const { table, groups, order, name: self } = target;
  table.reserve(table.size + members.length);
  order.reserve(order.length + members.length, table.narrowColumn);
  let listed = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (m.status !== "alive" || m.name === self || !target.plausible(m.incarnation)) continue;
    const slot = table.addAlive(m.name, m.incarnation, m.generation, m.addresses, m.meta, now);
    if (slot < 0) continue;
    // The first member listed makes room in its group for the rest (usually all in one group).
    groups.list(slot, listed === 0 ? members.length - i - 1 : 0);
    table.flags[slot]! |= IN_PROBE_ORDER;
    order.insert(slot);
    listed += 1;
  }
  return listed;
}
