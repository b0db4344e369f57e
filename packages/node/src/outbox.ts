import type { Message } from "@grapevine/codec";
import { type Swim, schemeOf } from "@grapevine/swim";
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
    const { fitted, left, unfit } = this.builder.fit(primary, this.builder.budget(link.mtu));
    this.counters.drops.unfit += unfit;
    if (piggyback) this.piggyback(fitted, left, now);
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
    this.outputs.push({ kind: "stream", id, to, bytes, purpose, deadlineAt });
    return true;
  }

  /** A gossip round: when anything waits to be disseminated, a packet to `fanout` random members. */
  gossipRound(fanout: number, now: number): void {
    if (this.dissemination.size === 0) return;
    this.counters.gossipRounds += 1;
    for (const to of this.swim.gossipTargets(fanout, now)) this.send(to, [], true, now);
  }

  /** Appends the broadcasts of the one dissemination queue that fit in `budget` bytes. */
  private piggyback(messages: Message[], budget: number, now: number): void {
    if (budget < MIN_BROADCAST_BYTES || this.dissemination.size === 0) return;
    for (const m of this.swim.piggyback(budget, sizeOf, now)) {
      messages.push(m);
      this.counters.broadcastsSent += 1;
    }
  }
}
