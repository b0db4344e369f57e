import type { Ack, Message, Nack, Ping, PingReq } from "@grapevine/codec";
import type { MemberStatus } from "@grapevine/protocol";
import { acceptsConnections, firstSendableAddress } from "./addresses.js";
import {
  ACKED_PROBE_AWARENESS_DELTA,
  type Awareness,
  failedProbeAwarenessDelta,
} from "./awareness.js";
import type { SwimConfig } from "./config.js";
import type { SwimCounters } from "./counters.js";
import { nackTimeout } from "./formulas.js";
import { RoundTripEstimator } from "./round-trip.js";

/** The member a probe is about, as it stood when the probe started. */
export interface ProbeTarget {
  /** Its slot in the member table (checked against the name before acting on it). */
  readonly slot: number;
  readonly name: string;
  readonly addresses: readonly string[];
  readonly status: MemberStatus;
  readonly incarnation: bigint;
}

/** The probe this node has in flight: at most one per protocol period (SWIM §3). */
export interface ProbeInFlight {
  /** Token of the probe: its timers, acks, nacks and stream-probe result carry it. */
  readonly seq: number;
  readonly target: ProbeTarget;
  /** When the direct ping went out, ms. */
  readonly sentAt: number;
  /** End of the probe's (awareness-stretched) protocol period: suspect the target if no ack by then, ms. */
  readonly deadlineAt: number;
  /** Address the direct ping went to; undefined when only bridges can reach the target. */
  readonly direct: string | undefined;
  /** Intermediaries asked with `wantNack`: each should answer with an ack or a nack. */
  expectedNacks: number;
  /** Nacks received so far. */
  nacks: number;
  /**
   * When the intermediaries' nacks should have arrived if our own messages flow (ms): set when
   * they are asked; Infinity before. Used by the nack-gated suspicion of {@link Prober}.
   */
  nacksDueAt: number;
  /** When the direct ping timed out and the fallbacks were started, ms; Infinity before. */
  timedOutAt: number;
  /** Whether a stream probe was asked for, and whether it has failed (refused, reset). */
  streamAsked: boolean;
  streamFailed: boolean;
  /**
   * When the stream probe's answer is due, ms: at least the end of the period, later when
   * `streamProbeTimeoutMs` reaches past it (the verdict then waits for the stream). Infinity
   * before one is asked.
   */
  streamDeadlineAt: number;
  /** The failure was already reported, before the end of the period (see `Prober`). */
  concluded: boolean;
}

/** A probe this node relays for another (SWIM §3.1 `ping-req`), keyed by the relay ping's seq. */
export interface RelayedProbe {
  /** The requester's seq, echoed in the ack or nack sent back. */
  readonly originSeq: number;
  /** The target's name and the address it was pinged at (pinged again if silent at half-time). */
  readonly target: string;
  readonly to: string;
  /** Where the requester asked from. */
  readonly replyTo: string;
}

/** Timers the prober asks its host to set; each carries the seq that makes it stale or not. */
export type ProbeTimer =
  | { readonly kind: "probe-timeout"; readonly seq: number }
  | { readonly kind: "probe-deadline"; readonly seq: number }
  | { readonly kind: "stream-deadline"; readonly seq: number }
  | { readonly kind: "relay-retry"; readonly seq: number }
  | { readonly kind: "relay-nack"; readonly seq: number }
  | { readonly kind: "relay-expire"; readonly seq: number };

/** What the {@link Prober} needs from the node it works for. */
export interface ProbeHost {
  /** Our member name. */
  readonly name: string;
  /** Our addresses, sent along so that an unknown prober can be answered. */
  readonly addresses: readonly string[];
  /** Schemes of our addresses: we send only to addresses with one of them. */
  readonly ownSchemes: ReadonlySet<string>;
  readonly config: SwimConfig;
  readonly awareness: Awareness;
  readonly counters: SwimCounters;
  /** Emit one packet. */
  send(to: string, messages: Message[]): void;
  /** Ask the runtime to probe `target` over the stream channel at `to`. */
  streamProbe(to: string, target: string, seq: number, deadlineAt: number): void;
  /** Set a timer. */
  schedule(at: number, timer: ProbeTimer): void;
  /**
   * Address lists of up to `count` alive members other than `target` that we can send to and
   * that can reach it.
   */
  relaysFor(target: ProbeTarget, count: number): ReadonlyArray<readonly string[]>;
  /** The probe of `target` got no ack by the end of its period. */
  probeFailed(target: ProbeTarget, now: number): void;
}

const EMPTY = new Uint8Array(0);
const NO_ADDRESSES: readonly string[] = Object.freeze([]);
const SEQ_MODULUS = 0x1_0000_0000;

/**
 * The probing protocol (SWIM §3 with Lifeguard §3.1 and §3.3), for both roles:
 *
 * - as prober: `ping` the target (a suspect one gets the suspicion first, the buddy system);
 *   without an ack within the awareness-stretched probe timeout, `ping-req` K relays and ask the
 *   runtime for a stream probe; without any ack by the end of the period (or, with the stream
 *   probe still pending then, by its own deadline, `streamProbeTimeoutMs`), report failure. The
 *   outcome adjusts local health: −1 for an ack, +1 per missing nack for a failure.
 * - as relay: ping the target on the requester's behalf, relay its ack, and nack at 80% of the
 *   probe timeout if it stays silent (an ack arriving later, within the timeout, is still relayed).
 * - as target: ack pings addressed to us, to the address they came from.
 *
 * Members we share no transport with are probed through relays only (bridges), at once.
 */
export class Prober {
  private readonly host: ProbeHost;
  private readonly relays = new Map<number, RelayedProbe>();
  private readonly roundTrip = new RoundTripEstimator();
  private current: ProbeInFlight | undefined = undefined;
  /**
   * Probes whose period ended with their stream probe still pending, by seq: the verdict waits
   * for the stream's answer or its deadline. At most a few (one per period of the stream's grace).
   */
  private readonly awaitingStream = new Map<number, ProbeInFlight>();
  private seq = 0;
  /** Members whose probes ended with no answer from anyone since the last answer we heard. */
  private readonly unheard = new Set<string>();

  constructor(host: ProbeHost) {
    this.host = host;
  }

  /** The probe in flight, if any. */
  get inFlight(): ProbeInFlight | undefined {
    return this.current;
  }

  /**
   * How many distinct members' probes have ended in silence (no ack, no nack) since the last ack,
   * nack or stream ack we heard: a sign of being cut off only when it spans several members.
   */
  get silentTargets(): number {
    return this.unheard.size;
  }

  /** Probe `target` for one protocol period ending at `deadlineAt` (ms). */
  start(target: ProbeTarget, now: number, deadlineAt: number): void {
    const host = this.host;
    const seq = this.nextSeq();
    const direct = firstSendableAddress(target.addresses, host.ownSchemes);
    const probe: ProbeInFlight = {
      seq,
      target,
      sentAt: now,
      deadlineAt,
      direct,
      expectedNacks: 0,
      nacks: 0,
      nacksDueAt: Infinity,
      timedOutAt: Infinity,
      streamAsked: false,
      streamFailed: false,
      streamDeadlineAt: Infinity,
      concluded: false,
    };
    this.current = probe;
    host.counters.probesSent += 1;
    if (direct !== undefined) {
      const messages: Message[] = [];
      if (host.config.lifeguard.buddy && target.status === "suspect") {
        // Lifeguard §3.3: the suspicion first, so the target refutes before it acks.
        messages.push({
          type: "suspect",
          name: target.name,
          incarnation: target.incarnation,
          from: host.name,
        });
      }
      messages.push(this.ping(seq, target.name));
      host.send(direct, messages);
      const { minProbeTimeoutMs, probeTimeoutMs } = host.config;
      const timeoutMs = this.roundTrip.timeout(minProbeTimeoutMs, probeTimeoutMs);
      host.schedule(now + host.awareness.scale(timeoutMs), { kind: "probe-timeout", seq });
    } else {
      host.counters.bridgedProbes += 1;
      this.askRelays(probe, now);
    }
    host.schedule(deadlineAt, { kind: "probe-deadline", seq });
  }

  /** Abandon the probe in flight (on leave): its timers and late answers become stale. */
  stop(): void {
    this.current = undefined;
    this.awaitingStream.clear();
  }

  /** Whether a timer no longer refers to anything in flight. */
  isStale(timer: ProbeTimer): boolean {
    switch (timer.kind) {
      case "probe-timeout":
      case "probe-deadline":
        return this.current?.seq !== timer.seq;
      case "stream-deadline":
        return !this.awaitingStream.has(timer.seq);
      case "relay-retry":
      case "relay-nack":
      case "relay-expire":
        return !this.relays.has(timer.seq);
    }
  }

  /** Run a due timer (stale ones do nothing). */
  fire(timer: ProbeTimer, now: number): void {
    if (this.isStale(timer)) return;
    switch (timer.kind) {
      case "probe-timeout":
        this.timedOut(this.current!, now);
        return;
      case "probe-deadline":
        this.deadline(this.current!, now);
        return;
      case "stream-deadline": {
        const probe = this.awaitingStream.get(timer.seq)!;
        this.awaitingStream.delete(timer.seq);
        this.failed(probe, now);
        return;
      }
      case "relay-retry": {
        const relay = this.relays.get(timer.seq)!;
        this.host.send(relay.to, [this.ping(timer.seq, relay.target)]);
        return;
      }
      case "relay-nack": {
        const relay = this.relays.get(timer.seq)!;
        this.sendNack(relay.replyTo, relay.originSeq);
        return;
      }
      case "relay-expire":
        this.relays.delete(timer.seq);
        return;
    }
  }

  /** A `ping`: ack it if it is for us. */
  onPing(fromAddress: string, ping: Ping): void {
    if (ping.target !== this.host.name) return;
    const to = this.replyAddress(fromAddress, ping.sourceAddresses);
    if (to === undefined) return;
    this.sendAck(to, ping.seq, this.host.name, EMPTY);
  }

  /** A `ping-req`: probe the target for the requester (SWIM §3.1). */
  onPingReq(fromAddress: string, request: PingReq, now: number): void {
    const host = this.host;
    host.counters.pingReqsReceived += 1;
    const replyTo = this.replyAddress(fromAddress, request.sourceAddresses);
    if (replyTo === undefined) return;
    if (request.target === host.name) {
      this.sendAck(replyTo, request.seq, host.name, EMPTY);
      return;
    }
    const to = firstSendableAddress(request.targetAddresses, host.ownSchemes);
    if (to === undefined) {
      // We cannot reach it either; say so at once rather than leave the requester guessing.
      if (request.wantNack) this.sendNack(replyTo, request.seq);
      return;
    }
    const seq = this.nextSeq();
    this.relays.set(seq, { originSeq: request.seq, replyTo, target: request.target, to });
    host.send(to, [this.ping(seq, request.target)]);
    if (request.wantNack) {
      const nackAt = now + nackTimeout(host.config.probeTimeoutMs);
      // Pinged twice before a nack, so that one lost ping or ack does not make it a nack.
      host.schedule(now + Math.floor((nackAt - now) / 2), { kind: "relay-retry", seq });
      host.schedule(nackAt, { kind: "relay-nack", seq });
    }
    host.schedule(now + host.config.probeTimeoutMs, { kind: "relay-expire", seq });
  }

  /** An `ack`: ends our probe, or is relayed to whoever asked us to probe. */
  onAck(ack: Ack, now: number): void {
    this.host.counters.acksReceived += 1;
    this.unheard.clear();
    const probe = this.ownProbe(ack.seq);
    if (probe !== undefined) {
      if (probe.direct !== undefined && now < probe.timedOutAt)
        this.roundTrip.observe(now - probe.sentAt);
      this.acked(probe);
      return;
    }
    const relay = this.relays.get(ack.seq);
    if (relay === undefined) return;
    this.relays.delete(ack.seq);
    this.sendAck(relay.replyTo, relay.originSeq, ack.source, ack.payload);
  }

  /** A `nack` for our probe (Lifeguard §3.1): the relay is alive and so is our path to it. */
  onNack(nack: Nack, now: number): void {
    const probe = this.ownProbe(nack.seq);
    if (probe === undefined) return;
    probe.nacks += 1;
    this.host.counters.nacksReceived += 1;
    this.unheard.clear();
    this.concludeEarly(probe, now);
  }

  /**
   * The runtime's answer to a stream probe; an ack saves the probe if it has not ended (in its
   * period, or past it while the verdict waits for the stream). A failure that comes back before
   * the stream's deadline (whose timer ends the probe first) was active: the connection was
   * refused or reset, nothing listens at the target.
   */
  onStreamProbeResult(seq: number, acked: boolean, now: number): void {
    const probe = this.ownProbe(seq);
    if (probe === undefined) return;
    if (!acked) {
      // A failure in the very step that asked is the runtime declining (no stream to that
      // address), which says nothing about the target.
      if (now > probe.timedOutAt) {
        probe.streamFailed = true;
        if (probe === this.current) this.concludeEarly(probe, now);
        else {
          this.awaitingStream.delete(seq);
          this.failed(probe, now);
        }
      }
      return;
    }
    this.host.counters.streamProbeAcks += 1;
    this.unheard.clear();
    this.acked(probe);
  }

  /** Our probe `seq`: the one in flight, or one whose verdict waits for its stream probe. */
  private ownProbe(seq: number): ProbeInFlight | undefined {
    const probe = this.current;
    if (probe !== undefined && probe.seq === seq) return probe;
    return this.awaitingStream.size === 0 ? undefined : this.awaitingStream.get(seq);
  }

  private timedOut(probe: ProbeInFlight, now: number): void {
    probe.timedOutAt = now;
    // A second direct ping alongside the relays: one lost ping or ack costs no suspicion.
    if (probe.direct !== undefined)
      this.host.send(probe.direct, [this.ping(probe.seq, probe.target.name)]);
    this.askRelays(probe, now);
    // No stream probe to a dial-only member: a stream to it is opened back over the connection
    // it made, so without one it fails at once, which says nothing about the member; relays
    // with a connection to it settle the probe instead.
    if (
      this.host.config.streamProbe &&
      probe.direct !== undefined &&
      acceptsConnections(probe.direct)
    ) {
      probe.streamAsked = true;
      probe.streamDeadlineAt = Math.max(
        probe.deadlineAt,
        now + this.host.config.streamProbeTimeoutMs,
      );
      this.host.counters.streamProbes += 1;
      this.host.streamProbe(probe.direct, probe.target.name, probe.seq, probe.streamDeadlineAt);
    }
  }

  /**
   * A verdict before the end of the period, once the direct ping has timed out and the evidence
   * is in (memberlist waits for the end of the period whatever arrived): the stream probe was
   * refused (the target's own host says nothing listens there), or, with no stream probe, every
   * intermediary asked has nacked. Either way no ack can still save the probe
   * from a live target at that address. The probe stays in flight until its deadline, so late
   * nacks still count towards local health (Lifeguard §3.1).
   */
  private concludeEarly(probe: ProbeInFlight, now: number): void {
    // Lifeguard §3.1: a member whose own health is in doubt waits for its (stretched) period.
    if (probe.concluded || now < probe.timedOutAt || now >= probe.deadlineAt) return;
    if (this.host.awareness.score > 0) return;
    const nacked = probe.expectedNacks > 0 && probe.nacks >= probe.expectedNacks;
    // A stream probe still pending may yet ack; a refused one settles it.
    if (!probe.streamFailed && !(nacked && !probe.streamAsked)) return;
    probe.concluded = true;
    this.host.counters.probesConcludedEarly += 1;
    this.host.counters.probesFailed += 1;
    this.host.probeFailed(probe.target, now);
  }

  private askRelays(probe: ProbeInFlight, now: number): void {
    const host = this.host;
    // A relay nacks nackTimeout after it hears from us; allow a tenth of the probe timeout more
    // for the two hops.
    const timeout = host.config.probeTimeoutMs;
    probe.nacksDueAt = now + nackTimeout(timeout) + Math.ceil(timeout / 10);
    const target = probe.target;
    for (const relay of host.relaysFor(target, host.config.indirectChecks)) {
      const to = firstSendableAddress(relay, host.ownSchemes);
      if (to === undefined) continue;
      const pingReq: PingReq = {
        type: "ping-req",
        seq: probe.seq,
        target: target.name,
        targetAddresses: target.addresses,
        source: host.name,
        sourceAddresses: host.addresses,
        wantNack: true,
      };
      host.send(to, [pingReq]);
      probe.expectedNacks += 1;
      host.counters.pingReqsSent += 1;
    }
  }

  private deadline(probe: ProbeInFlight, now: number): void {
    this.current = undefined;
    const nacked = probe.expectedNacks > 0 && probe.nacks >= probe.expectedNacks;
    if (
      !probe.concluded &&
      !nacked &&
      probe.streamAsked &&
      !probe.streamFailed &&
      probe.streamDeadlineAt > now
    ) {
      // The stream probe may yet answer (a lost SYN costs it a second): the verdict waits, unless
      // every relay has said that the target did not answer it either.
      this.awaitingStream.set(probe.seq, probe);
      this.host.counters.probesAwaitingStream += 1;
      this.host.schedule(probe.streamDeadlineAt, { kind: "stream-deadline", seq: probe.seq });
      return;
    }
    this.failed(probe, now);
  }

  /** The probe got no ack by its deadline: health, isolation evidence and the verdict. */
  private failed(probe: ProbeInFlight, now: number): void {
    const host = this.host;
    host.awareness.applyDelta(failedProbeAwarenessDelta(probe.expectedNacks, probe.nacks));
    if (probe.nacks === 0) this.unheard.add(probe.target.name);
    if (probe.concluded) return;
    // Nack-gated suspicion (with Lifeguard §3.1 awareness): intermediaries that were asked in
    // time answer with an ack or a nack whatever the target's fate. When not one of them did,
    // the silence says more about us (stalled, overloaded, cut off) than about the target, so
    // the probe is inconclusive: our health score rises and the target is not suspected.
    const silent =
      probe.expectedNacks > 0 && probe.nacks === 0 && probe.nacksDueAt <= probe.deadlineAt;
    if (host.config.lifeguard.awareness && silent) {
      host.counters.probesInconclusive += 1;
      return;
    }
    host.counters.probesFailed += 1;
    host.probeFailed(probe.target, now);
  }

  private acked(probe: ProbeInFlight): void {
    if (probe === this.current) this.current = undefined;
    else this.awaitingStream.delete(probe.seq);
    this.host.counters.probesAcked += 1;
    this.host.awareness.applyDelta(ACKED_PROBE_AWARENESS_DELTA);
  }

  private sendAck(to: string, seq: number, source: string, payload: Uint8Array): void {
    const ack: Ack = { type: "ack", seq, source, payload };
    this.host.send(to, [ack]);
  }

  private sendNack(to: string, seq: number): void {
    const nack: Nack = { type: "nack", seq, source: this.host.name };
    this.host.send(to, [nack]);
    this.host.counters.nacksSent += 1;
  }

  /**
   * A ping carries no addresses of ours: the target answers the address the ping came from, which
   * every transport reports (`Datagram.from`), so addresses would cost every probe 20–40 bytes
   * for nothing. A receiver still answers a ping that carries them (older members send them)
   * when its transport could not name the sender.
   */
  private ping(seq: number, target: string): Ping {
    return { type: "ping", seq, target, source: this.host.name, sourceAddresses: NO_ADDRESSES };
  }

  private replyAddress(
    fromAddress: string,
    sourceAddresses: readonly string[],
  ): string | undefined {
    if (fromAddress !== "") return fromAddress;
    return firstSendableAddress(sourceAddresses, this.host.ownSchemes);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % SEQ_MODULUS;
    return this.seq;
  }
}
