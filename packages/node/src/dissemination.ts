import type { Message, OwnerDelta, UserMessage } from "@grapevine/codec";
import { BroadcastQueue, retransmitLimit } from "@grapevine/swim";

/**
 * Infection-style dissemination of state deltas and user messages (SWIM §4.1): each item rides
 * on outgoing packets until it has been sent retransmitMult·⌈log10(N+1)⌉ times, least-sent and
 * newest first (see `BroadcastQueue`). Keys are prefixed by kind, and names are length-prefixed,
 * so no owner, key or message can displace an item of another kind or owner.
 */
export class Dissemination {
  private readonly queue: BroadcastQueue<Message>;

  constructor(
    limit: number,
    private readonly retransmitMult: number,
  ) {
    this.queue = new BroadcastQueue<Message>({ limit });
  }

  /** Items waiting. */
  get size(): number {
    return this.queue.size;
  }

  /** Items dropped because the queue was full. */
  get dropped(): number {
    return this.queue.dropped;
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

  /**
   * Items that fit in `budgetBytes`, each counted as one transmission. `members` is the cluster
   * size the retransmit limit is computed from.
   */
  select(budgetBytes: number, sizeOf: (m: Message) => number, members: number): Message[] {
    return this.queue.select(budgetBytes, sizeOf, retransmitLimit(this.retransmitMult, members));
  }

  /** Forgets everything queued. */
  clear(): void {
    this.queue.clear();
  }
}
