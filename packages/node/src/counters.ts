import { emptyProbeRttHistogram, type ProbeRttHistogram } from "./probe-rtt.js";

/** Why an incoming packet or frame, or an outgoing message, was dropped. */
export type PacketDropReason =
  | "truncated"
  | "oversized"
  | "unknown-version"
  | "malformed"
  | "label-mismatch"
  | "limit"
  | "decrypt"
  | "no-transport"
  | "unfit"
  | "send-error"
  | "stream-error"
  | "rejected-state"
  | "internal";

/** Running totals of what the runtime did, for metrics and tests. Monotonic. */
export interface NodeCounters {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** Packets or frames dropped, by reason. */
  drops: Record<PacketDropReason, number>;
  gossipRounds: number;
  antiEntropyRounds: number;
  pushPulls: number;
  pushPullFailures: number;
  /** Total time spent in completed outgoing push-pull exchanges, ms. */
  pushPullMs: number;
  streamProbes: number;
  streamsIn: number;
  keysChanged: number;
  /** Exceptions thrown by event listeners (caught; the runtime goes on). */
  listenerErrors: number;
  /** Events not delivered to an `events()` iterator whose buffer was full. */
  eventsDropped: number;
  /** Broadcasts (membership, state, user messages) piggy-backed on outgoing packets. */
  broadcastsSent: number;
  userMessages: number;
  /** Queries this member sent. */
  queriesSent: number;
  /** Queries of other members received (first sightings, within the rate limit). */
  queriesReceived: number;
  /** Copies of queries already seen (relayed back by gossip: normal). */
  queryDuplicates: number;
  /** Queries dropped because their origin sent more than the rate limit allows. */
  queriesRateLimited: number;
  /** Queries received that this member's name or tags did not pass. */
  queriesFiltered: number;
  /** Queries whose tag pattern was refused here (too long, unsafe, invalid): they match nothing. */
  queryPatternsRefused: number;
  /** Acks and answers this member sent (to its own queries too). */
  queryResponsesSent: number;
  /** Acks and answers to this member's queries received (first of each kind per member). */
  queryResponsesReceived: number;
  /** Answers too late: after the query's deadline, or for a query no longer known. */
  queryResponsesLate: number;
  /** Answers refused for being over the response size limit. */
  queryResponsesTooLarge: number;
  /** Query handlers that threw or rejected (counted by the runtime that runs them). */
  queryHandlerErrors: number;
  /** Answers this member relayed to a query's origin. */
  queryRelays: number;
  /** Answers this member refused to relay (to an address the origin does not advertise). */
  queryRelaysRefused: number;
  /** Force-leaves this member started. */
  forceLeaves: number;
  /** Members forgotten at once by a prune (force-leave with prune), ours or a peer's. */
  membersPruned: number;
  /** Round-trip times of this member's direct probes (ping to ack), a histogram. */
  readonly probeRtt: ProbeRttHistogram;
}

/** Fresh zeroed node counters. */
export function emptyNodeCounters(): NodeCounters {
  return {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    messagesIn: 0,
    messagesOut: 0,
    drops: {
      truncated: 0,
      oversized: 0,
      "unknown-version": 0,
      malformed: 0,
      "label-mismatch": 0,
      limit: 0,
      decrypt: 0,
      "no-transport": 0,
      unfit: 0,
      "send-error": 0,
      "stream-error": 0,
      "rejected-state": 0,
      internal: 0,
    },
    gossipRounds: 0,
    antiEntropyRounds: 0,
    pushPulls: 0,
    pushPullFailures: 0,
    pushPullMs: 0,
    streamProbes: 0,
    streamsIn: 0,
    keysChanged: 0,
    listenerErrors: 0,
    eventsDropped: 0,
    broadcastsSent: 0,
    userMessages: 0,
    queriesSent: 0,
    queriesReceived: 0,
    queryDuplicates: 0,
    queriesRateLimited: 0,
    queriesFiltered: 0,
    queryPatternsRefused: 0,
    queryResponsesSent: 0,
    queryResponsesReceived: 0,
    queryResponsesLate: 0,
    queryResponsesTooLarge: 0,
    queryHandlerErrors: 0,
    queryRelays: 0,
    queryRelaysRefused: 0,
    forceLeaves: 0,
    membersPruned: 0,
    probeRtt: emptyProbeRttHistogram(),
  };
}
