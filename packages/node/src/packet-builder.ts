import { encodePacket, envelopeOverhead, type Message, messageSize } from "@grapevine/codec";

/**
 * The smallest broadcast that can ride on a packet: a `dead` notice about a one-byte name. With
 * less room left than this, looking for piggy-backed broadcasts cannot find one that fits.
 */
export const MIN_BROADCAST_BYTES = messageSize({
  type: "dead",
  name: "x",
  incarnation: 0n,
  from: "x",
});

/** Longest member name a probe may carry (the cluster's name limit), bytes. */
export const MAX_NAME_BYTES = 128;

/** `messageSize`, except that a message the codec refuses sizes as unsendable instead of throwing. */
export function sizeOf(message: Message): number {
  try {
    return messageSize(message);
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * Packet assembly: how many bytes of messages fit in a packet or frame, and the encoding of one.
 * Every size is derived from the transport's MTU (or frame limit), the envelope (format version
 * and cluster label) and the seal the runtime adds after encoding.
 */
export class PacketBuilder {
  /** Bytes of every packet that are not messages: envelope plus seal. */
  readonly overhead: number;

  constructor(
    private readonly label: string,
    sealOverhead: number,
  ) {
    this.overhead = envelopeOverhead(label) + sealOverhead;
  }

  /** Room for messages in a packet (or frame) of at most `limit` bytes on the wire. */
  budget(limit: number): number {
    return Math.max(0, limit - this.overhead);
  }

  /**
   * Room for a state delta piggy-backed on gossip: what is left in the smallest packet once the
   * largest probe message this member sends (a ping carrying its addresses, to a target with the
   * longest possible name) has been set aside, so a delta always fits next to a probe.
   */
  stateDeltaBudget(smallestMtu: number, self: string, addresses: readonly string[]): number {
    const probe = sizeOf({
      type: "ping",
      seq: 0xffff_ffff,
      target: "x".repeat(MAX_NAME_BYTES),
      source: self,
      sourceAddresses: addresses,
    });
    return Math.max(0, this.budget(smallestMtu) - probe);
  }

  /** Fits `messages` into `budget` bytes in order, skipping the ones that do not fit. */
  fit(
    messages: readonly Message[],
    budget: number,
  ): { fitted: Message[]; left: number; unfit: number } {
    const fitted: Message[] = [];
    let left = budget;
    let unfit = 0;
    for (const m of messages) {
      const size = sizeOf(m);
      if (size > left) {
        unfit += 1;
        continue;
      }
      left -= size;
      fitted.push(m);
    }
    return { fitted, left, unfit };
  }

  /** The encoded packet, or `undefined` when the codec refuses a message in it. */
  encode(messages: readonly Message[]): Uint8Array | undefined {
    try {
      return encodePacket(messages, { label: this.label });
    } catch {
      return undefined;
    }
  }
}
