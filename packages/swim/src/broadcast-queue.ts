/**
 * A bounded, keyed queue of broadcasts for infection-style dissemination (SWIM §4.1), generic so
 * that the runtime can reuse it for state deltas and user messages.
 *
 * - Keyed: enqueueing under a key already present replaces the older item (a newer update about
 *   a member supersedes the older one) and resets its transmit count.
 * - Least-sent first: {@link BroadcastQueue.select} takes items in increasing order of how often
 *   they have been sent; among unsent items the newest first, among items sent equally often
 *   the one that has waited longest at that count first.
 * - Retransmit limit: an item is dropped once it has been sent `retransmitLimit` times (the limit
 *   is passed at selection time because it depends on the current cluster size).
 * - One copy per recipient first: given the packet's recipient, an item already sent to it is
 *   skipped (and keeps its place) until it has reached as many distinct recipients as there are
 *   peers, or has been held back twice that many times (a peer it cannot reach must not keep it
 *   queued forever). In a small cluster, where the limit allows only a few copies, random targets
 *   would otherwise spend two of them on one member and none on another.
 * - Bounded: when full, enqueueing a new key first drops the item closest to exhausting its
 *   transmissions (most-sent, then oldest); {@link BroadcastQueue.dropped} counts those.
 *
 * Enqueue and delete are O(1); selection visits items in order and stops as soon as the budget
 * is full, or after a few consecutive items that do not fit, so a large backlog never costs a
 * full scan per packet.
 */
export class BroadcastQueue<T> {
  /** Maximum number of items held. */
  readonly limit: number;
  private readonly byKey = new Map<string, Entry<T>>();
  /** tiers[t]: items sent exactly t times, in the order they are to be taken. */
  private readonly tiers: Tier<T>[] = [];
  private droppedCount = 0;
  private enqueuedCount = 0;

  /**
   * @param options.limit capacity in items (≥ 1).
   * @throws RangeError when the limit is not a positive integer.
   */
  constructor(options: { readonly limit: number }) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(
        `BroadcastQueue limit must be a positive integer (got ${options.limit})`,
      );
    }
    this.limit = options.limit;
  }

  /** Number of items waiting to be sent. */
  get size(): number {
    return this.byKey.size;
  }

  /** Items dropped unsent-to-the-limit because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Items enqueued so far, replacements included (news since an earlier reading). */
  get enqueued(): number {
    return this.enqueuedCount;
  }

  /** Queue `item` under `key`, replacing (and resetting the count of) any item with that key. */
  enqueue(key: string, item: T): void {
    this.enqueuedCount += 1;
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      this.unlink(existing);
      this.byKey.delete(key);
    } else if (this.byKey.size >= this.limit) {
      this.evictOne();
    }
    const entry: Entry<T> = {
      key,
      item,
      transmits: 0,
      sentTo: undefined,
      heldBack: 0,
      prev: undefined,
      next: undefined,
      size: 0,
      sizedBy: undefined,
    };
    this.byKey.set(key, entry);
    this.linkHead(entry);
  }

  /** The item queued under `key`, if any. */
  get(key: string): T | undefined {
    return this.byKey.get(key)?.item;
  }

  /** How many times the item under `key` has been sent, if it is still queued. */
  transmits(key: string): number | undefined {
    return this.byKey.get(key)?.transmits;
  }

  /** Remove the item under `key`. @returns whether there was one. */
  delete(key: string): boolean {
    const entry = this.byKey.get(key);
    if (entry === undefined) return false;
    this.unlink(entry);
    this.byKey.delete(key);
    return true;
  }

  /** Remove everything (the dropped count is kept). */
  /** How many queued items have a key starting with `prefix` (O(n): for metrics, not hot paths). */
  count(prefix: string): number {
    let n = 0;
    for (const key of this.byKey.keys()) if (key.startsWith(prefix)) n += 1;
    return n;
  }

  clear(): void {
    this.byKey.clear();
    this.tiers.length = 0;
  }

  /**
   * Take the items that fit in `budgetBytes`, least-sent first, and count one transmission for
   * each; items that reach `retransmitLimit` transmissions leave the queue.
   *
   * @param budgetBytes room left in the packet, bytes.
   * @param sizeOf encoded size of one item, bytes.
   * @param retransmitLimit how many times an item is sent in all (≥ 1).
   * @param overheadBytes extra bytes each item costs in the packet (framing), default 0.
   * @param skip items not to send in this packet (to the item's own origin): they are neither
   *   taken nor counted, and keep their place.
   * @param recipient where the packet goes (`to`, any string naming the recipient) and how many
   *   peers there are to reach (`peers`): items already sent to `to` are skipped while they have
   *   reached fewer than `peers` distinct recipients. With `free`, the items are sent but neither
   *   counted nor recorded (a copy to a member that is not a peer, such as a dead one).
   */
  select(
    budgetBytes: number,
    sizeOf: (item: T) => number,
    retransmitLimit: number,
    overheadBytes = 0,
    skip?: (item: T) => boolean,
    recipient?: Recipient<T>,
  ): T[] {
    if (budgetBytes <= 0 || this.byKey.size === 0) return [];
    const picked: Entry<T>[] = [];
    let used = 0;
    let misses = 0;
    scan: for (let t = 0; t < this.tiers.length; t++) {
      let entry = this.tiers[t]?.head;
      while (entry !== undefined) {
        const next = entry.next;
        if (entry.transmits >= retransmitLimit) {
          // The limit shrank with the cluster: this item has been sent enough.
          this.unlink(entry);
          this.byKey.delete(entry.key);
        } else if (recipient?.has?.(entry.item) === true) {
          reached(entry, recipient.to);
        } else if (skip?.(entry.item) !== true && !heldBack(entry, recipient)) {
          if (entry.sizedBy !== sizeOf) {
            // Items are immutable: each is measured once (per measure), however often visited.
            entry.size = sizeOf(entry.item);
            entry.sizedBy = sizeOf;
          }
          const size = entry.size + overheadBytes;
          if (used + size <= budgetBytes) {
            picked.push(entry);
            used += size;
            misses = 0;
            if (budgetBytes - used <= overheadBytes) break scan;
          } else {
            misses += 1;
            if (misses >= MAX_CONSECUTIVE_MISSES) break scan;
          }
        }
        entry = next;
      }
    }
    if (recipient?.free === true) return picked.map((entry) => entry.item);
    // Sent items join the tail of their next tier: among equally-sent items, the one that has
    // waited longest at that count goes first.
    for (const entry of picked) {
      this.unlink(entry);
      entry.transmits += 1;
      if (recipient !== undefined) reached(entry, recipient.to);
      if (entry.transmits >= retransmitLimit) this.byKey.delete(entry.key);
      else this.linkTail(entry);
    }
    return picked.map((entry) => entry.item);
  }

  private evictOne(): void {
    for (let t = this.tiers.length - 1; t >= 0; t--) {
      const victim = this.tiers[t]?.tail;
      if (victim !== undefined) {
        this.unlink(victim);
        this.byKey.delete(victim.key);
        this.droppedCount += 1;
        return;
      }
    }
  }

  private tier(transmits: number): Tier<T> {
    for (let t = this.tiers.length; t <= transmits; t++) {
      this.tiers.push({ head: undefined, tail: undefined });
    }
    return this.tiers[transmits]!;
  }

  private linkTail(entry: Entry<T>): void {
    const tier = this.tier(entry.transmits);
    entry.next = undefined;
    entry.prev = tier.tail;
    if (tier.tail !== undefined) tier.tail.next = entry;
    else tier.head = entry;
    tier.tail = entry;
  }

  private linkHead(entry: Entry<T>): void {
    const tier = this.tier(entry.transmits);
    const head = tier.head;
    if (head === undefined) {
      this.linkTail(entry);
      return;
    }
    entry.prev = undefined;
    entry.next = head;
    head.prev = entry;
    tier.head = entry;
  }

  private unlink(entry: Entry<T>): void {
    const tier = this.tiers[entry.transmits];
    if (tier === undefined) return;
    if (entry.prev !== undefined) entry.prev.next = entry.next;
    else if (tier.head === entry) tier.head = entry.next;
    if (entry.next !== undefined) entry.next.prev = entry.prev;
    else if (tier.tail === entry) tier.tail = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
  }
}

/** A packet's recipient, for {@link BroadcastQueue.select}. */
export interface Recipient<T> {
  /** Names the recipient (an address). */
  readonly to: string;
  /** How many peers there are to reach. */
  readonly peers: number;
  /** Send without counting or recording (a recipient that is not a peer). */
  readonly free?: boolean;
  /**
   * Whether the recipient is known to have `item` already (news about itself): then it is not
   * sent, not counted, and the recipient counts as reached.
   */
  readonly has?: (item: T) => boolean;
}

/**
 * Whether `entry` is held back from `recipient.to`, which has had it, while some peer has not;
 * counts the times, and lets it go after twice as many as there are peers.
 */
function heldBack<T>(entry: Entry<T>, recipient: Recipient<T> | undefined): boolean {
  const sentTo = entry.sentTo;
  if (recipient === undefined || sentTo === undefined || sentTo.length >= recipient.peers) {
    return false;
  }
  if (entry.heldBack >= 2 * recipient.peers || !sentTo.includes(recipient.to)) return false;
  entry.heldBack += 1;
  return true;
}

/** Notes that `to` has `entry` (sent it, or known to have it). */
function reached<T>(entry: Entry<T>, to: string): void {
  const sentTo = entry.sentTo;
  if (sentTo === undefined) entry.sentTo = [to];
  else if (sentTo.length < MAX_RECIPIENTS_NOTED && !sentTo.includes(to)) sentTo.push(to);
}

/** Distinct recipients noted per item at most (a small cluster's peers; bounds the memory). */
const MAX_RECIPIENTS_NOTED = 64;

/** After this many consecutive items that do not fit, selection gives up on the packet. */
const MAX_CONSECUTIVE_MISSES = 8;

/** A queued item, linked into the tier of its transmit count. */
interface Entry<T> {
  readonly key: string;
  readonly item: T;
  transmits: number;
  /** Distinct recipients that have it (sent it, or known to have it). */
  sentTo: string[] | undefined;
  /** Times it was held back from a recipient that had it while some peer had not. */
  heldBack: number;
  prev: Entry<T> | undefined;
  next: Entry<T> | undefined;
  /** The item's size as `sizedBy` measured it. */
  size: number;
  sizedBy: ((item: T) => number) | undefined;
}

interface Tier<T> {
  head: Entry<T> | undefined;
  tail: Entry<T> | undefined;
}
