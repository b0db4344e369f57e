import type { PushPullMember } from "@grapevine/codec";
import { schemesOf } from "./addresses.js";
import { type MemberRegistry, U64_MAX } from "./member-registry.js";
import { GROUPED, IN_PROBE_ORDER, type MemberTable } from "./members.js";
import type { ProbeOrder } from "./probe-order.js";
import type { SchemeGroup, SchemeGroups } from "./scheme-groups.js";
import { type SeedList, type SeedTarget, seedAlive } from "./seed.js";

/** {@link PreparedMembers.records}: a member seeding skips (not alive). */
const NOT_ALIVE = -1;
/** {@link PreparedMembers.records}: a member seeding skips and counts (implausible incarnation). */
const IMPLAUSIBLE = -2;
/** {@link PreparedMembers.records}: a member no table can hold (seeding it throws, as it would). */
const UNINTERNABLE = -3;

/**
 * A member list interned once in a {@link MemberRegistry}, to seed many member tables of that
 * registry (`Swim.seed`) as cheaply as copying: a simulator starting 10,000 nodes from a converged
 * membership seeds 10⁸ entries, and with the list prepared each costs a few array writes instead
 * of a name lookup and a comparison of every field. Seeding from it does exactly what seeding
 * from {@link members} does.
 *
 * It holds one reference to each record it names (so none can be freed and its id reused
 * meanwhile) until {@link release}. Its records are what `members` said when it was prepared.
 */
export class PreparedMembers implements SeedList {
  readonly registry: MemberRegistry;
  /** The list as given. */
  readonly members: readonly PushPullMember[];
  /** Per member: its record, or a negative code for a member seeding skips. */
  readonly records: Int32Array;
  /** Per member: its scheme set, an index into {@link setAddresses}. */
  readonly schemeSets: Int32Array;
  /** The addresses of one member of each scheme set (to find its group in a table). */
  readonly setAddresses: (readonly string[])[] = [];
  /** Whether every member is alive with a plausible incarnation (seeding's bulk path needs it). */
  readonly allListable: boolean;
  private released = false;

  constructor(registry: MemberRegistry, members: readonly PushPullMember[]) {
    this.registry = registry;
    this.members = members;
    this.records = new Int32Array(members.length);
    this.schemeSets = new Int32Array(members.length);
    const sets = new Map<string, number>();
    members.forEach((m, i) => {
      if (m.status !== "alive") {
        this.records[i] = NOT_ALIVE;
      } else if (m.incarnation >= U64_MAX) {
        this.records[i] = IMPLAUSIBLE;
      } else if (m.incarnation < 0n) {
        this.records[i] = UNINTERNABLE;
      } else {
        this.records[i] = registry.intern(m.name, m.incarnation, m.generation, m.addresses, m.meta);
        const key = schemesOf(m.addresses).join(",");
        let set = sets.get(key);
        if (set === undefined) {
          set = this.setAddresses.length;
          sets.set(key, set);
          this.setAddresses.push(m.addresses);
        }
        this.schemeSets[i] = set;
      }
    });
    this.allListable = this.records.every((record) => record >= 0);
  }

  /** Hands the records back to the registry; seeding from this list is then refused. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const record of this.records) if (record >= 0) this.registry.release(record);
  }

  /** See {@link SeedList.seedInto}: from the records when they belong to `table`'s registry. */
  seedInto(target: SeedTarget, now: number): number {
    if (!this.usableWith(target.table.registry)) return seedAlive(target, this.members, now);
    return seedPrepared(target, this, now);
  }

  /** Whether it can still seed tables of `registry`. */
  usableWith(registry: MemberRegistry): boolean {
    return !this.released && registry === this.registry;
  }
}

/** {@link seedAlive} from a prepared list: the same outcome, step for step. */
function seedPrepared(target: SeedTarget, prepared: PreparedMembers, now: number): number {
  const { table, groups, order, name: self } = target;
  const { records, schemeSets, members } = prepared;
  const count = records.length;
  table.reserve(table.size + count);
  order.reserve(order.length + count, table.narrowColumn);
  if (prepared.allListable && prepared.setAddresses.length === 1) {
    const listed = seedRun(table, groups, order, prepared, now);
    if (listed >= 0) return listed;
  }
  // This table's group for each scheme set, found when the first member of the set is listed
  // (as seeding from the list would create it then).
  const setGroups: (SchemeGroup | undefined)[] = [];
  let listed = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    if (record < 0) {
      // Ourselves first, as the list would: our own entry is skipped before it is judged.
      const m = members[i]!;
      if (record === NOT_ALIVE || m.name === self || !target.plausible(m.incarnation)) continue;
      // Uninternable: fails here as it would have (unless the name is held: then skipped).
      table.addAlive(m.name, m.incarnation, m.generation, m.addresses, m.meta, now);
      continue;
    }
    // Our own name is held (slot 0), so this also skips ourselves.
    const slot = table.addRecord(record, now);
    if (slot < 0) continue;
    const set = schemeSets[i]!;
    let group = setGroups[set];
    if (group === undefined) {
      group = groups.groupFor(prepared.setAddresses[set]!);
      setGroups[set] = group;
    }
    groups.listIn(group, slot, listed === 0 ? count - i - 1 : 0);
    table.flags[slot]! |= IN_PROBE_ORDER;
    order.insert(slot);
    listed += 1;
  }
  return listed;
}

/**
 * {@link seedPrepared} when every member of `prepared` is alive, plausible and in one scheme set
 * (a simulated cluster): the table appends them all in one pass into consecutive slots (names
 * held, ourselves among them, are skipped), then they are listed in their group and inserted into
 * the probe walk in slot order, drawing from the walk's source exactly as one at a time would.
 * Returns how many were listed, or −1 (nothing done) when the table has free slots to reuse.
 */
function seedRun(
  table: MemberTable,
  groups: SchemeGroups,
  order: ProbeOrder,
  prepared: PreparedMembers,
  now: number,
): number {
  const first = table.slotEnd;
  const listed = table.appendRecords(prepared.records, now);
  if (listed <= 0) return listed;
  const group = groups.groupFor(prepared.setAddresses[0]!);
  const list = group.live;
  list.reserve(list.length + listed, table.narrowColumn);
  const flags = table.flags;
  for (let slot = first; slot < first + listed; slot++) {
    // As `SchemeGroups.listIn` and `seedAlive` do for each: listed alive, then walked.
    flags[slot]! |= GROUPED | IN_PROBE_ORDER;
    table.setGroupPosition(slot, list.length);
    list.push(slot);
    order.insert(slot);
  }
  group.aliveCount += listed;
  return listed;
}
