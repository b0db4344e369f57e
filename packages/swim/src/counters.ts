/**
 * Running totals of what one Swim instance did and saw, for metrics and tests. All counts
 * since construction.
 */
export interface SwimCounters {
  /** Probes started (one per protocol period with someone to probe). */
  probesSent: number;
  /** Probes answered in time (directly, through a relay, or over the stream channel). */
  probesAcked: number;
  /** Probes that ended without any ack. */
  probesFailed: number;
  /**
   * Probes that got neither an ack nor any nack from the intermediaries asked in time: with
   * awareness on, they raise our health score instead of a suspicion (nack-gated suspicion).
   */
  probesInconclusive: number;
  /**
   * Failed probes judged before the end of their period: the direct ping had timed out and the
   * stream probe was refused, or every intermediary asked had nacked (see `Prober`).
   */
  probesConcludedEarly: number;
  /**
   * Probes whose period ended with the stream probe still pending, so that the verdict waited
   * for the stream's answer or its deadline (`streamProbeTimeoutMs`).
   */
  probesAwaitingStream: number;
  /** Probes of members we share no transport with, made through bridges only. */
  bridgedProbes: number;
  /** Acks received, including late and relayed ones. */
  acksReceived: number;
  /** `ping-req` sent, as requester. */
  pingReqsSent: number;
  /** `ping-req` received, as intermediary. */
  pingReqsReceived: number;
  /** Nacks received for our own probes (Lifeguard §3.1). */
  nacksReceived: number;
  /** Nacks sent as intermediary. */
  nacksSent: number;
  /** Stream probes requested from the runtime. */
  streamProbes: number;
  /** Probes saved only by the stream channel (datagrams failed: possibly misconfigured network). */
  streamProbeAcks: number;
  /** Suspicions this node raised after its own failed probes. */
  suspicionsRaised: number;
  /** Suspect members that later refuted (seen here): false suspicions. */
  suspicionsRefuted: number;
  /** Members this node declared dead when a suspicion timed out. */
  deadDeclared: number;
  /** Times this node refuted suspicion or death about itself (SWIM §4.2). */
  refutations: number;
  /**
   * Suspicions and death notices about ourselves at an older incarnation than ours, answered by
   * sending our current `alive` back to where the claim came from (its sender missed our
   * refutation; Lifeguard's buddy system brings it to us with every probe it sends us).
   */
  staleClaimsAnswered: number;
  /** Suspicions this node still held some time after they started, sent to the suspect itself. */
  lastCalls: number;
  /** Dead and left members forgotten after gossipToTheDeadMs. */
  membersReaped: number;
  /** Broadcasts placed in packets by {@link Swim.piggyback}. */
  broadcastsSent: number;
  /** Messages about another process claiming our name with a newer generation. */
  nameConflicts: number;
  /** Membership claims refused for an incarnation no member can hold (2⁶⁴ − 1): forgeries. */
  implausibleIncarnations: number;
  /** Push-pull exchanges the runtime reported as failed. */
  pushPullFailures: number;
}

/** A fresh set of counters, all zero. */
export function createCounters(): SwimCounters {
  return {
    probesSent: 0,
    probesAcked: 0,
    probesFailed: 0,
    probesInconclusive: 0,
    probesConcludedEarly: 0,
    probesAwaitingStream: 0,
    bridgedProbes: 0,
    acksReceived: 0,
    pingReqsSent: 0,
    pingReqsReceived: 0,
    nacksReceived: 0,
    nacksSent: 0,
    streamProbes: 0,
    streamProbeAcks: 0,
    suspicionsRaised: 0,
    suspicionsRefuted: 0,
    deadDeclared: 0,
    refutations: 0,
    staleClaimsAnswered: 0,
    lastCalls: 0,
    membersReaped: 0,
    broadcastsSent: 0,
    nameConflicts: 0,
    implausibleIncarnations: 0,
    pushPullFailures: 0,
  };
}
