import type { Ack, Message, StateAck, StateSyn, StateSynAck } from "@grapevine/codec";
import type { ClusterState } from "@grapevine/state";
import { FrameCodec, type FrameCompression } from "./compression.js";
import type { Outbox } from "./outbox.js";
import { sizeOf } from "./packet-builder.js";

/**
 * Scuttlebutt anti-entropy (van Renesse et al. 2008, §3): a three-way digest exchange that repairs
 * whatever piggy-backed dissemination missed. Each message is cut to the packet budget it travels
 * in; deltas are version-ordered prefixes, so a truncated one is still valid.
 *
 * 1. `syn`: our digest, to one random member each anti-entropy period;
 * 2. `syn-ack`: the peer's digest (half the packet) and what we lack of what it holds;
 * 3. `ack`: what the peer lacks of what we hold.
 */
export function synFor(state: ClusterState, budget: number): StateSyn {
  const room = budget - sizeOf({ type: "state-syn", digest: [], complete: false });
  const digest = state.digest(Math.max(0, room));
  return { type: "state-syn", digest: digest.entries, complete: digest.complete };
}

/** Answers a peer's `syn` with our digest and the entries it lacks, within `budget` bytes. */
export function answerSyn(state: ClusterState, syn: StateSyn, budget: number): StateSynAck {
  const total = budget - sizeOf({ type: "state-syn-ack", digest: [], complete: false, delta: [] });
  // Half the packet for our digest (so the peer can answer with what we lack), the rest for what
  // the peer lacks.
  const own = state.digest(Math.max(0, Math.floor(total / 2)));
  const used = sizeOf({
    type: "state-syn-ack",
    digest: own.entries,
    complete: own.complete,
    delta: [],
  });
  const delta = state.deltaFor(syn.digest, syn.complete, Math.max(0, total - used));
  return { type: "state-syn-ack", digest: own.entries, complete: own.complete, delta };
}

/** What the peer lacks of what we hold, after its `syn-ack`; `undefined` when nothing. */
export function answerSynAck(
  state: ClusterState,
  synAck: StateSynAck,
  budget: number,
): StateAck | undefined {
  const room = budget - sizeOf({ type: "state-ack", delta: [] });
  const delta = state.deltaFor(synAck.digest, synAck.complete, Math.max(0, room));
  return delta.length > 0 ? { type: "state-ack", delta } : undefined;
}

/**
 * First byte of an ack payload that carries the acking member's digest hash: 4 bytes of hash
 * (big-endian) follow, then one byte of features (see `compression.ts`). Readers ignore bytes
 * beyond what they know, so later members may append more.
 */
export const DIGEST_HASH_TAG = 0x01;
/** Bytes of that payload. */
export const DIGEST_HASH_PAYLOAD_BYTES = 6;

/** The ack payload carrying `hash` and `features` (see {@link DIGEST_HASH_TAG}). */
export function digestHashPayload(hash: number, features = 0): Uint8Array {
  // Byte by byte, big-endian: no view to allocate on every ack.
  const payload = new Uint8Array(DIGEST_HASH_PAYLOAD_BYTES);
  payload[0] = DIGEST_HASH_TAG;
  payload[1] = hash >>> 24;
  payload[2] = hash >>> 16;
  payload[3] = hash >>> 8;
  payload[4] = hash;
  payload[5] = features;
  return payload;
}

/** The digest hash an ack payload carries, or `undefined` (an older member, or another payload). */
export function payloadDigestHash(payload: Uint8Array): number | undefined {
  if (payload.length < 5 || payload[0] !== DIGEST_HASH_TAG) return undefined;
  const hash = payload[1]! * 0x1000000 + (payload[2]! << 16) + (payload[3]! << 8) + payload[4]!;
  return hash === 0 ? undefined : hash;
}

/** The feature byte of such a payload (0 when absent). */
export function payloadFeatures(payload: Uint8Array): number {
  return payloadDigestHash(payload) === undefined ? 0 : (payload[5] ?? 0);
}

/**
 * Scuttlebutt anti-entropy that costs nothing while nothing differs. Every ack this member sends
 * on its own behalf carries a hash of its full digest; a prober whose own hash differs learns that
 * the two hold different state and starts a digest exchange with that member at its next
 * anti-entropy period (one exchange a period at most, as a periodic digest would). Each member
 * probes a random member every protocol period, so a divergence from most of the cluster is seen
 * within about one period; in a cluster where nothing changed, no digest is sent at all.
 *
 * Members that predate the hash send acks with an empty payload and are never the reason for an
 * exchange started here; they still send their periodic digests, which this member answers, and a
 * Scuttlebutt exchange repairs both sides whoever starts it.
 */
export class AntiEntropy {
  /** Where the last differing hash came from while a digest could not go out yet, if anywhere. */
  private peer: string | undefined = undefined;
  /** When our last digest went out, ms. */
  private lastSynAt = -Infinity;
  /** When the next period begins, ms (Infinity: not started, or periods off). */
  private nextRoundAt = Infinity;

  /**
   * @param intervalMs the anti-entropy period: at most one digest exchange starts per period.
   * @param frames where peers' announced features are recorded, and ours come from.
   * @param state our state, whose heartbeat the periods raise and whose digest goes out.
   * @param outbox where digests are sent.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly frames: FrameCodec,
    private readonly state: ClusterState,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Anti-entropy for a node's outbox: a frame codec with the node's compressor (if any) for its
   * stream frames, and our digest hash and features on every ack it sends.
   */
  static attach(
    outbox: Outbox,
    state: ClusterState,
    options: { readonly name: string; readonly compression?: FrameCompression | undefined },
    timing: { readonly antiEntropyIntervalMs: number },
  ): AntiEntropy {
    const frames = new FrameCodec(options.compression);
    const antiEntropy = new AntiEntropy(timing.antiEntropyIntervalMs, frames, state, outbox);
    outbox.frames = frames;
    outbox.stamp = (messages) => antiEntropy.stamp(messages, options.name, state);
    return antiEntropy;
  }

  /** Our acks (with an empty payload) get our digest hash as their payload. */
  stamp(messages: readonly Message[], self: string, state: ClusterState): readonly Message[] {
    let hash: Uint8Array | undefined;
    let stamped: Message[] | undefined;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      if (m.type !== "ack" || m.source !== self || m.payload.length !== 0) continue;
      hash ??= digestHashPayload(state.digestHash(), this.frames.ownFeatures);
      stamped ??= messages.slice();
      stamped[i] = { ...m, payload: hash };
    }
    return stamped ?? messages;
  }

  /**
   * An ack from `from` (`direct`: sent by the member it is from, not relayed): its features are
   * recorded; when it carries a digest hash other than ours, our digest goes to `from` now if none
   * went out this period, else at the next period.
   */
  heard(
    from: string,
    direct: boolean,
    ack: Ack,
    state: ClusterState,
    outbox: Outbox,
    now: number,
  ): void {
    const theirs = payloadDigestHash(ack.payload);
    if (theirs === undefined) return;
    // A relayed ack comes from the relay with the target's payload: features only from the source.
    const features = payloadFeatures(ack.payload);
    if (direct && this.frames.featuresOf(from) !== features) this.frames.learn(from, features);
    if (theirs === state.digestHash()) return;
    if (now - this.lastSynAt >= this.intervalMs) this.sendSyn(from, state, outbox, now);
    else this.peer = from;
  }

  /** Sets the first period at `at` (periods of 0 ms are off). */
  start(at: number): void {
    if (this.intervalMs > 0) this.nextRoundAt = at;
  }

  /**
   * When a period needs a wake-up: only when a digest waits to go out. A period that would only
   * raise our heartbeat needs none; {@link catchUp} raises it at the next step, before anything
   * can read it (the heartbeat is seen only in the deltas a step sends).
   */
  wakeAt(): number {
    return this.peer === undefined ? Infinity : this.nextRoundAt;
  }

  /**
   * The periods begun by `now` (call first in every step): in each our heartbeat rises (it rides
   * on every delta we send, Scuttlebutt §3) while `running`, and, when a peer's hash differed from
   * ours and no digest could go out then, our digest goes to it.
   */
  catchUp(now: number, running: boolean): void {
    while (this.nextRoundAt <= now) {
      this.nextRoundAt += this.intervalMs;
      if (!running) continue;
      this.state.heartbeat();
      const to = this.peer;
      this.peer = undefined;
      if (to !== undefined) this.sendSyn(to, this.state, this.outbox, now);
    }
  }

  private sendSyn(to: string, state: ClusterState, outbox: Outbox, now: number): void {
    const budget = outbox.budgetFor(to);
    if (budget === undefined) return;
    this.lastSynAt = now;
    outbox.counters.antiEntropyRounds += 1;
    outbox.send(to, [synFor(state, budget)], false, now);
  }
}
