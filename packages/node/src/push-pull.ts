import type { PushPull, PushPullMember } from "@grapevine/codec";
import type { ClusterState } from "@grapevine/state";
import { isSeedList, type SeedList, type Swim } from "@grapevine/swim";
import { sizeOf } from "./packet-builder.js";

/**
 * A full state exchange over the stream channel (memberlist's push-pull): the whole member list
 * and as much state as fits in one frame. A joining member sends one to each seed (`join`), every
 * member sends one to a random member each push-pull interval, and the receiver of a request
 * (`reply` false) answers with its own.
 */
export function pushPullMessage(
  swim: Swim,
  state: ClusterState,
  flags: { readonly join: boolean; readonly reply: boolean },
  frameBudget: number,
): PushPull {
  const base: PushPull = {
    type: "push-pull",
    join: flags.join,
    reply: flags.reply,
    source: swim.name,
    members: swim.localMembers(),
    delta: [],
  };
  const room = frameBudget - sizeOf(base);
  return { ...base, delta: state.deltaFor([], true, Math.max(0, room)) };
}

/**
 * Takes a converged member list as a completed push-pull would, with no events and no gossip
 * (simulations and tests that start from a converged cluster): the members, and the liveness of
 * their state. With nothing held of any other owner (the usual start) there is no state to
 * revive, so a simulator seeding N cores of N members does O(N²) work only in the member tables.
 */
export function seedConverged(
  swim: Swim,
  state: ClusterState,
  members: readonly PushPullMember[] | SeedList,
  now: number,
): void {
  swim.seed(members, now);
  if (state.knownOwners > 1) {
    for (const m of isSeedList(members) ? members.members : members) {
      if (m.name !== state.self && m.status === "alive")
        state.markOwnerAlive(m.name, now, m.generation);
    }
  }
  swim.clearBroadcasts();
}
