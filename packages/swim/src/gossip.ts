import type { Message } from "@grapevine/codec";
import { isLive, type Rng } from "@grapevine/protocol";
import { firstSendableAddress } from "./addresses.js";
import type { SwimConfig } from "./config.js";
import { retransmitLimit } from "./formulas.js";
import type { Membership } from "./membership.js";

/**
 * A cluster is small, for dissemination, while it has at most this many times as many live peers
 * as a broadcast has copies: random targets then often spend two copies on one member and none on
 * another, so each copy is addressed with care. Above it, random targets rarely repeat and the
 * epidemic's redundancy covers the rest; copies are picked as SWIM picks them.
 */
export const SMALL_CLUSTER_COPIES_FACTOR = 2;

/**
 * Who a gossip round goes to, and which membership broadcasts a packet carries (SWIM §4.1).
 *
 * - Targets: members we share a transport with, alive or suspect, and dead or left ones not yet
 *   forgotten (gossip to the dead, so a member wrongly declared dead learns it and refutes).
 * - In a small cluster (see {@link SMALL_CLUSTER_COPIES_FACTOR}), with the packet's destination
 *   known: a broadcast goes to each live peer once before any peer gets it twice (see
 *   `BroadcastQueue.select`); a copy to a dead or left target is sent but not counted, so the
 *   retransmit limit is spent on live members; and a member's `alive` is not sent to that member,
 *   which knows better.
 */
export class Gossip {
  /** Dead or left members picked by the last round, by the address the round returned. */
  private readonly deadTargets = new Set<string>();

  constructor(
    private readonly membership: Membership,
    private readonly config: SwimConfig,
    private readonly ownSchemes: ReadonlySet<string>,
    private readonly rng: Rng,
  ) {}

  /** Addresses of up to `count` random members for a gossip round. */
  targets(count: number): string[] {
    const table = this.membership.table;
    const targets: string[] = [];
    this.deadTargets.clear();
    for (const slot of this.membership.groups.sampleGossipTargets(count, this.rng)) {
      const address = firstSendableAddress(table.addresses(slot), this.ownSchemes);
      if (address === undefined) continue;
      targets.push(address);
      if (!isLive(table.status(slot))) this.deadTargets.add(address);
    }
    return targets;
  }

  /** The broadcasts that fit in `budgetBytes` for a packet to `to` (if known), counted. */
  piggyback(
    budgetBytes: number,
    sizeOf: (m: Message) => number,
    skip: ((m: Message) => boolean) | undefined,
    to: string | undefined,
  ): Message[] {
    const { liveTotal, queue } = this.membership;
    const limit = retransmitLimit(this.config.retransmitMult, liveTotal);
    const peers = liveTotal - 1;
    if (to === undefined || peers > SMALL_CLUSTER_COPIES_FACTOR * limit) {
      return queue.select(budgetBytes, sizeOf, limit, 0, skip);
    }
    const has = (m: Message) => m.type === "alive" && m.addresses.includes(to);
    const recipient = { to, peers, free: this.deadTargets.has(to), has };
    return queue.select(budgetBytes, sizeOf, limit, 0, skip, recipient);
  }
}
