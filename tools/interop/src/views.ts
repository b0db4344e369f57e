import type { Cluster, MemberEventType } from "@grapevine/cluster";
import type { InteropNode } from "./interop-node.js";

/** A member's status as the codec names it: alive, suspect, dead or left. */
export type Status = ReturnType<Cluster["members"]>[number]["status"];

/** What one node believes of the membership: member name → status, sorted by name. */
export type MembershipView = Record<string, Status>;

/** What one node holds of the cluster state: owner → key → value (UTF-8), both sorted. */
export type StateView = Record<string, Record<string, string>>;

/** The membership as `cluster` sees it, itself included, in a form that compares with `toEqual`. */
export function membershipOf(cluster: Cluster): MembershipView {
  const view: MembershipView = {};
  const members = cluster.members().sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const m of members) view[m.name] = m.status;
  return view;
}

/** Every live key of every owner `cluster` holds state for; owners with no keys are left out. */
export function stateOf(cluster: Cluster): StateView {
  const view: StateView = {};
  const decoder = new TextDecoder();
  for (const owner of cluster.owners().sort()) {
    const entries = cluster.entries(owner).sort((a, b) => (a.key < b.key ? -1 : 1));
    if (entries.length === 0) continue;
    const keys: Record<string, string> = {};
    for (const e of entries) keys[e.key] = decoder.decode(e.value);
    view[owner] = keys;
  }
  return view;
}

/** Whether `observer` lists `member` with `status`. */
export function sees(observer: InteropNode, member: string, status: Status): boolean {
  return observer.cluster.member(member)?.status === status;
}

/** Whether every one of `observers` lists every one of `members` with `status`. */
export function allSee(
  observers: readonly InteropNode[],
  members: readonly string[],
  status: Status,
): boolean {
  return observers.every((o) => members.every((m) => sees(o, m, status)));
}

/** Whether every one of `observers` holds `value` for `owner`'s `key`. */
export function allHold(
  observers: readonly InteropNode[],
  owner: string,
  key: string,
  value: string,
): boolean {
  return observers.every((o) => o.cluster.getText(key, owner) === value);
}

/** Membership events of `type` that `observers` emitted about any of `members`. */
export function eventsAbout(
  observers: readonly InteropNode[],
  type: MemberEventType,
  members: readonly string[],
  since = Number.NEGATIVE_INFINITY,
): Array<{ observer: string; member: string; at: number }> {
  const found: Array<{ observer: string; member: string; at: number }> = [];
  for (const o of observers) {
    for (const e of o.events) {
      if (e.type === type && members.includes(e.member) && e.at >= since) {
        found.push({ observer: o.name, member: e.member, at: e.at });
      }
    }
  }
  return found;
}

/** Each node's membership view on one line, for failure messages. */
export function describeMembership(nodes: readonly InteropNode[]): string {
  return nodes
    .map((n) => {
      const view = membershipOf(n.cluster);
      const members = Object.entries(view)
        .map(([name, status]) => `${name}=${status}`)
        .join(" ");
      return `\n  ${n.name}${n.gone ? " (gone)" : ""} sees ${members}`;
    })
    .join("");
}
