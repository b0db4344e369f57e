import type { Member } from "./members.js";

/**
 * The probe this node has in flight: at most one per protocol period (SWIM §3). Its `seq` is the
 * token that makes the probe's timers, acks, nacks and stream-probe results recognisable; once
 * the probe ends, anything carrying that seq is stale and ignored.
 */
export interface ProbeInFlight {
  readonly seq: number;
  readonly target: Member;
  /** ms. */
  readonly startedAt: number;
  /** End of the probe's protocol period (awareness-stretched): suspect the target if no ack by then, ms. */
  readonly deadlineAt: number;
  /** Address the direct ping went to; undefined when the target is reachable only through bridges. */
  readonly direct: string | undefined;
  /** Intermediaries asked with `wantNack`: each should answer with an ack or a nack. */
  expectedNacks: number;
  /** Nacks received so far. */
  nacks: number;
}

/** A probe this node relays for another (SWIM §3.1 `ping-req`), keyed by the relay ping's seq. */
export interface RelayedProbe {
  /** The requester's seq, echoed in the ack or nack sent back. */
  readonly originSeq: number;
  /** Where the requester asked from. */
  readonly replyTo: string;
}

/**
 * Lifeguard §3.1's health penalty for a probe that got no ack. If intermediaries were asked
 * for nacks, each missing nack counts one (they are presumably fine, so silence suggests that our
 * own messages are slow); with no one to ask, the failed probe itself counts one.
 */
export function failedProbeAwarenessDelta(expectedNacks: number, nacksReceived: number): number {
  if (expectedNacks <= 0) return 1;
  return Math.max(0, expectedNacks - nacksReceived);
}

/** Lifeguard §3.1's health reward for a probe that was acked. */
export const ACKED_PROBE_AWARENESS_DELTA = -1;
