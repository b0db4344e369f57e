import type { Message } from "@grapevine/codec";
import { type Swim, type SwimConfig, schemeOf } from "@grapevine/swim";
import { FrameCodec } from "./compression.js";
import type { NodeCounters } from "./counters.js";
import type { Dissemination } from "./dissemination.js";
import type { Link } from "./options.js";
import type { NodeOutput, StreamPurpose } from "./outputs.js";
import { MIN_BROADCAST_BYTES, type PacketBuilder, sizeOf } from "./packet-builder.js";

/**
 * Everything the core sends goes through here: packets to the MTU of the link they leave on,
 * filled with piggy-backed broadcasts (membership first, then state deltas and user messages), and
 * stream requests. Outputs are appended to the core's output list as plain data.
 */
export class Outbox {
  private readonly links = new Map<string, Link>();
  /** `scheme://` of each link: most addresses are matched by prefix, with no string made. */
  private readonly prefixes: [string, Link][] = [];
  /** Outputs produced and not yet drained. */
  outputs: NodeOutput[] = [];
  /** When the last gossip round ran, and the queue's enqueue count then. */
  private lastRoundAt = -Infinity;
  private newsSeen = 0;

  /** Largest stream frame over all links, bytes. */
  readonly maxFrameBytes: number;
  /** Stream frame compression, as far as this member and each peer support it. */
  frames = new FrameCodec(undefined);
  /**
   * Rewrites what is sent before it is packed (anti-entropy puts our digest hash on acks, the
   * coordinates our coordinate after it, and note when each ping leaves).
   */
  stamp: (messages: readonly Message[], now: number) => readonly Message[] = (messages) => messages;

  constructor(
    links: readonly Link[],
    readonly builder: PacketBuilder,
    private readonly swim: Swim,
    private readonly dissemination: Dissemination,
    readonly counters: NodeCounters,
  ) {
    for (const link of links) for (const s of link.schemes) this.links.set(s, link);
    // Lower-case schemes only: `schemeOf` lower-cases, so only those can match.
    for (const [s, link] of this.links)
      if (s === s.toLowerCase()) this.prefixes.push([`${s}://`, link]);
    this.maxFrameBytes = Math.max(0, ...links.map((link) => link.maxFrameBytes));
  }

  /** The link a packet to `address` leaves on, if this member has one for its scheme. */
  linkFor(address: string): Link | undefined {
    for (const [prefix, link] of this.prefixes) if (address.startsWith(prefix)) return link;
    const scheme = schemeOf(address);
    return scheme === undefined ? undefined : this.links.get(scheme);
  }

  /** Room for messages in a packet to `address`, or `undefined` when it cannot be reached. */
  budgetFor(address: string): number | undefined {
    const link = this.linkFor(address);
    return link === undefined ? undefined : this.builder.budget(link.mtu);
  }

  /** Sends `primary` to `to` in one packet, filled up with piggy-backed broadcasts. */
  send(to: string, primary: readonly Message[], piggyback: boolean, now: number): void {
    const link = this.linkFor(to);
    if (link === undefined) {
      this.counters.drops["no-transport"] += 1;
      return;
    }
    const stamped = this.stamp(primary, now);
    const { fitted, left, unfit } = this.builder.fit(stamped, this.builder.budget(link.mtu));
    this.counters.drops.unfit += unfit;
    if (piggyback) this.piggyback(fitted, to, left, now);
    if (fitted.length === 0) return;
    const bytes = this.builder.encode(fitted);
    if (bytes === undefined) {
      this.counters.drops.unfit += 1;
      return;
    }
    this.counters.packetsOut += 1;
    this.counters.bytesOut += bytes.length;
    this.counters.messagesOut += fitted.length;
    this.outputs.push({ kind: "datagram", to, bytes });
  }

  /**
   * Asks the runtime for a stream exchange with `to` carrying `request`. Returns false (and counts
   * the message as unfit) when the request cannot be encoded.
   */
  stream(
    id: number,
    to: string,
    request: readonly Message[],
    purpose: StreamPurpose,
    deadlineAt: number,
  ): boolean {
    const bytes = this.builder.encode(request);
    if (bytes === undefined) {
      this.counters.drops.unfit += 1;
      return false;
    }
    const frame = this.frames.encode(bytes, this.frames.accepts(to));
    this.outputs.push({ kind: "stream", id, to, bytes: frame, purpose, deadlineAt });
    return true;
  }

  /** A gossip round: when anything waits to be disseminated, a packet to `fanout` random members. */
  gossipRound(fanout: number, now: number): void {
    this.lastRoundAt = now;
    this.newsSeen = this.dissemination.queue.enqueued;
    if (this.dissemination.size === 0) return;
    this.counters.gossipRounds += 1;
    for (const to of this.swim.gossipTargets(fanout, now)) this.send(to, [], true, now);
  }

  /**
   * News is passed on at once: when something was queued since the last gossip round and that
   * round is at least half a gossip interval old, an extra round now. Each hop of an epidemic then costs a
   * network trip instead of half a gossip interval on average; the transmissions are the same
   * (each item still goes out its retransmit-limit times), only sooner. The spacing bounds the
   * extra rounds to one per half gossip interval however much news arrives.
   */
  gossipNews(config: Pick<SwimConfig, "gossipFanout" | "gossipIntervalMs">, now: number): void {
    if (this.dissemination.queue.enqueued === this.newsSeen) return;
    if (now - this.lastRoundAt < config.gossipIntervalMs / 2) return;
    this.gossipRound(config.gossipFanout, now);
  }

  /** Appends the broadcasts of the one dissemination queue that fit in `budget` bytes. */
  private piggyback(messages: Message[], to: string, budget: number, now: number): void {
    if (budget < MIN_BROADCAST_BYTES || this.dissemination.size === 0) return;
    // A user message or query is not sent back to its origin: with the few retransmissions of a
    // small cluster, a copy spent on the one member sure to have it is a copy some other member
    // misses. (Swim spends a small cluster's membership copies with the same care, given `to`.)
    const skip = (m: Message) =>
      (m.type === "user" || m.type === "query") &&
      (m.type === "user" ? this.swim.addressesOf(m.from) : m.originAddresses)?.includes(to) ===
        true;
    for (const m of this.swim.piggyback(budget, sizeOf, now, skip, to)) {
      messages.push(m);
      this.counters.broadcastsSent += 1;
    }
  }
}
