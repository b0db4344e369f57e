import type { Message, OwnerDelta, Query, UserMessage } from "@grapevine/codec";
import { BroadcastQueue } from "@grapevine/swim";

/** Key prefix of the failure detector's membership broadcasts in the shared queue. */
const MEMBERSHIP = "m";

/**
 * The one dissemination queue of a node (SWIM §4.1): membership broadcasts (queued by the failure
 * detector, which shares this queue), state deltas and user messages ride on outgoing packets
 * until each has been sent retransmitMult·⌈log10(N+1)⌉ times, least-sent and newest first (see
 * `BroadcastQueue`); `Swim.piggyback` selects from it. Keys are prefixed by kind (`m` membership,
 * `k`/`o` state, `u` user, `q` query, `p` prune) and names are length-prefixed, so no member, owner, key or message can
 * displace an item of another kind or owner.
 */
export class Dissemination {
  /** The queue, shared with the failure detector. */
  readonly queue: BroadcastQueue<Message>;

  constructor(limit: number) {
    this.queue = new BroadcastQueue<Message>({ limit });
  }

  /** Items waiting, of every kind. */
  get size(): number {
    return this.queue.size;
  }

  /** Items waiting: membership broadcasts, and state deltas plus user messages (O(n)). */
  depth(): { membership: number; state: number } {
    const membership = this.queue.count(MEMBERSHIP);
    return { membership, state: this.queue.size - membership };
  }

  /** Queues a state delta; a newer delta for the same key (or owner) replaces the older one. */
  enqueueStateDelta(delta: OwnerDelta): void {
    const owner = `${delta.owner.length}:${delta.owner}`;
    const key = delta.entries.length === 1 ? `k${owner}${delta.entries[0]!.key}` : `o${owner}`;
    this.queue.enqueue(key, { type: "state-delta", delta: [delta] });
  }

  /** Queues a user message under its dedup key. */
  enqueueUser(key: string, message: UserMessage): void {
    this.queue.enqueue(`u${key}`, message);
  }

  /** Queues a query under its key (origin, generation, id). */
  enqueueQuery(key: string, query: Query): void {
    this.queue.enqueue(`q${key}`, query);
  }
}
