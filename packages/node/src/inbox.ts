import { decode, type Message, type UserMessage } from "@grapevine/codec";
import type { ClusterState } from "@grapevine/state";
import type { Swim } from "@grapevine/swim";
import { type AntiEntropy, answerSyn, answerSynAck } from "./anti-entropy.js";
import { FrameCodec } from "./compression.js";
import type { Coordinates } from "./coordinates.js";
import type { NodeCounters, PacketDropReason } from "./counters.js";
import type { Dissemination } from "./dissemination.js";
import type { ClusterEvent } from "./events.js";
import type { ForceLeave } from "./force-leave.js";
import type { Outbox } from "./outbox.js";
import { sizeOf } from "./packet-builder.js";
import { observeProbeRtt } from "./probe-rtt.js";
import { pushPullMessage } from "./push-pull.js";
import type { Queries } from "./queries.js";
import type { SharedSync } from "./shared-sync.js";
import type { StateSync } from "./state-sync.js";
import { streamRefusal } from "./stream-refusal.js";
import type { UserMessages } from "./user-messages.js";

/**
 * The decoder's limits last asked for. The codec resolves limits once per options object it sees
 * in a row, so every core of a process passing the same object (same MTU, same label) skips that.
 */
let lastLimits: { readonly maxPacketBytes: number; readonly label: string } = {
  maxPacketBytes: -1,
  label: "",
};

/** What {@link Inbox} needs of the core it serves. */
export interface InboxHost {
  readonly name: string;
  readonly label: string;
  readonly swim: Swim;
  readonly state: ClusterState;
  readonly stateSync: StateSync;
  readonly antiEntropy: AntiEntropy;
  readonly coordinates: Coordinates;
  readonly shared: SharedSync;
  readonly outbox: Outbox;
  readonly dissemination: Dissemination;
  readonly userMessages: UserMessages;
  readonly queries: Queries;
  readonly forceLeave: ForceLeave;
  readonly counters: NodeCounters;
  emit(event: ClusterEvent): void;
}

/**
 * Everything the core receives: packets are decoded (a packet the codec refuses is dropped and
 * counted under the codec's reason) and each message goes where it belongs: SWIM messages to the
 * failure detector, anti-entropy to the state store (answered within the packet budget), deltas
 * and user messages to dissemination; stream requests (probes and push-pulls) are answered.
 * A message that throws is counted as `internal` and the rest of the packet still runs.
 */
export class Inbox {
  /** Why the last packet or frame was dropped (read right after a failed stream decode). */
  private lastDrop: PacketDropReason | undefined;

  constructor(private readonly host: InboxHost) {}

  /** Decodes a packet or frame of at most `maxBytes`; `undefined` (counted) when refused. */
  decode(bytes: Uint8Array, maxBytes: number): readonly Message[] | undefined {
    const label = this.host.label;
    if (lastLimits.maxPacketBytes !== maxBytes || lastLimits.label !== label) {
      lastLimits = { maxPacketBytes: maxBytes, label };
    }
    const r = decode(bytes, lastLimits);
    if (r.ok) return r.envelope.messages;
    this.drop(r.error.reason as PacketDropReason);
    return undefined;
  }

  /** A datagram's messages, in order. */
  datagram(from: string, bytes: Uint8Array, now: number): void {
    const { counters } = this.host;
    counters.packetsIn += 1;
    counters.bytesIn += bytes.length;
    const messages = this.decode(bytes, this.host.outbox.linkFor(from)?.mtu ?? bytes.length);
    if (messages === undefined) return;
    for (const message of messages) {
      counters.messagesIn += 1;
      this.guard(() => this.dispatch(from, message, now));
    }
  }

  /** A stream request: the reply frame to write back, if any. */
  streamFrame(from: string, bytes: Uint8Array, now: number): Uint8Array | undefined {
    const { host } = this;
    const maxFrame = host.outbox.linkFor(from)?.maxFrameBytes ?? bytes.length;
    this.lastDrop = undefined;
    const messages = this.decodeFrame(bytes, maxFrame);
    if (messages === undefined) {
      // Tell a joining member why, when it is a setting it can fix; other junk gets nothing.
      return this.lastDrop === "label-mismatch" ? streamRefusal("label-mismatch") : undefined;
    }
    const compress = FrameCodec.isCompressed(bytes) || host.outbox.frames.accepts(from);
    let reply: Message | undefined;
    let shared: Message | undefined;
    for (const msg of messages) {
      if (msg.type === "ping" && msg.target === host.name) {
        reply = { type: "ack", seq: msg.seq, source: host.name, payload: new Uint8Array(0) };
      } else if (msg.type === "push-pull") {
        this.guard(() => this.mergePushPull(msg.members, msg.delta, now));
        if (!msg.reply) {
          // The shared keyspace's answer goes first (at most half the frame): configuration is
          // what a joining member needs whole.
          const budget = host.outbox.builder.budget(maxFrame);
          shared = host.shared.onPushPullRequest(messages, Math.floor(budget / 2), now);
          const left = budget - (shared === undefined ? 0 : sizeOf(shared));
          reply = pushPullMessage(host.swim, host.state, { join: false, reply: true }, left);
        }
      }
    }
    if (reply === undefined) return undefined;
    const encoded = host.outbox.builder.encode(shared === undefined ? [reply] : [reply, shared]);
    return encoded === undefined ? undefined : host.outbox.frames.encode(encoded, compress);
  }

  /** A stream frame, compressed or not, decoded (`undefined`, counted, when refused). */
  decodeFrame(
    bytes: Uint8Array,
    maxBytes = this.host.outbox.maxFrameBytes,
  ): readonly Message[] | undefined {
    const plain = this.host.outbox.frames.decode(bytes, maxBytes);
    if (plain === undefined) {
      this.drop("malformed");
      return undefined;
    }
    return this.decode(plain, maxBytes);
  }

  /** Whether an ack from `from` about `source` came from that member itself. */
  private direct(from: string, source: string): boolean {
    return this.host.swim.addressesOf(source)?.includes(from) ?? false;
  }

  /** A peer's member list and state from a push-pull, either way. */
  mergePushPull(
    members: Extract<Message, { type: "push-pull" }>["members"],
    delta: Extract<Message, { type: "push-pull" }>["delta"],
    now: number,
  ): void {
    this.host.swim.mergeRemote(members, now);
    this.host.stateSync.apply(delta, now, false);
  }

  /** Runs `fn`; nothing a peer sends may escape a step as an exception. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch {
      this.drop("internal");
    }
  }

  private drop(reason: PacketDropReason): void {
    this.lastDrop = reason;
    this.host.counters.drops[reason] += 1;
  }

  private dispatch(from: string, msg: Message, now: number): void {
    const { swim, state, stateSync, outbox } = this.host;
    switch (msg.type) {
      case "ack": {
        const direct = this.direct(from, msg.source);
        this.host.antiEntropy.heard(from, direct, msg, state, outbox, now);
        const rttMs = this.host.coordinates.heard(msg, direct, now);
        if (rttMs !== undefined) observeProbeRtt(this.host.counters.probeRtt, rttMs);
        swim.handle(from, msg, now);
        return;
      }
      case "ping":
      case "ping-req":
      case "nack":
      case "alive":
      case "suspect":
      case "dead":
        swim.handle(from, msg, now);
        return;
      case "state-syn": {
        const budget = outbox.budgetFor(from);
        if (budget !== undefined) outbox.send(from, [answerSyn(state, msg, budget)], true, now);
        return;
      }
      case "state-syn-ack": {
        stateSync.apply(msg.delta, now, false);
        const budget = outbox.budgetFor(from);
        const ack = budget === undefined ? undefined : answerSynAck(state, msg, budget);
        if (ack) outbox.send(from, [ack], true, now);
        return;
      }
      case "state-ack":
        stateSync.apply(msg.delta, now, false);
        return;
      case "state-delta":
        stateSync.apply(msg.delta, now, true);
        return;
      case "user":
        this.userMessage(msg, now);
        return;
      case "shared-digest":
        this.host.shared.onDigest(from, msg, now);
        return;
      case "shared-delta":
        this.host.shared.onDelta(from, msg, now);
        return;
      case "query":
        this.host.queries.onQuery(msg, now);
        return;
      case "query-response":
        this.host.queries.onResponse(msg, now);
        return;
      case "prune":
        this.host.forceLeave.onPrune(msg, now);
        return;
      case "push-pull":
        // Push-pull travels on streams only.
        return;
    }
  }

  private userMessage(msg: UserMessage, now: number): void {
    const key = this.host.userMessages.received(msg, now);
    if (key === undefined) return;
    // Infection-style: pass it on a bounded number of times, like membership updates.
    this.host.dissemination.enqueueUser(key, msg);
    this.host.counters.userMessages += 1;
    const { from, name, payload, ltime } = msg;
    const coalesce = msg.coalesce ? { coalesce: true } : {};
    this.host.emit({ type: "user-message", from, name, payload, ltime, at: now, ...coalesce });
  }
}
