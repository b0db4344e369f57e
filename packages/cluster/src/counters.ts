/** Why an incoming packet or frame was dropped without being processed. */
export type DropReason =
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
export interface ClusterCounters {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** Packets or frames dropped, by reason. */
  drops: Record<DropReason, number>;
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
  /**
   * Events dropped by `events()` iterators that fell behind: past `eventBufferLimit` buffered
   * events, each new one pushes out the oldest.
   */
  eventsDropped: number;
  userMessages: number;
}

/** Fresh zeroed counters. */
export function emptyCounters(): ClusterCounters {
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
    userMessages: 0,
  };
}
