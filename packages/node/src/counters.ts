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
  };
}
