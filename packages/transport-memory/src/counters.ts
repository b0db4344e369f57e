/** Why the in-memory network dropped a datagram. */
export type NetworkDropReason =
  /** Random loss (global, per link or one-way). */
  | "loss"
  /** Sender and receiver were on different sides of a partition. */
  | "partition"
  /** The link was blocked with `block(from, to)`. */
  | "blocked"
  /** Nothing was bound at the destination address. */
  | "unreachable"
  /** The receiver closed (or crashed) while the datagram was in flight. */
  | "closed"
  /** The receiver's inbound queue was full (it is not reading fast enough). */
  | "overflow";

/**
 * Why the network dropped a datagram.
 * @deprecated Use {@link NetworkDropReason}; `DropReason` of `@grapevine/cluster` is another thing
 * (why a node dropped an incoming packet).
 */
export type DropReason = NetworkDropReason;

/** Every {@link NetworkDropReason}, in a fixed order. */
export const NETWORK_DROP_REASONS: readonly NetworkDropReason[] = [
  "loss",
  "partition",
  "blocked",
  "unreachable",
  "closed",
  "overflow",
];

/**
 * Every drop reason.
 * @deprecated Use {@link NETWORK_DROP_REASONS}.
 */
export const DROP_REASONS: readonly NetworkDropReason[] = NETWORK_DROP_REASONS;

/**
 * Traffic counters, for one node or the whole network. Datagrams sent and dropped are counted on
 * the sender; datagrams delivered on the receiver. Bytes are payload bytes.
 */
export interface TrafficCounters {
  datagramsSent: number;
  datagramBytesSent: number;
  datagramsDelivered: number;
  datagramBytesDelivered: number;
  datagramsDropped: number;
  datagramBytesDropped: number;
  /** Datagrams dropped, by reason (the sum equals `datagramsDropped`). */
  droppedBy: Record<NetworkDropReason, number>;
  /** Stream frames written (counted on the writer). */
  framesSent: number;
  frameBytesSent: number;
  /** Stream frames handed to the reading end (counted on the reader). */
  framesDelivered: number;
  frameBytesDelivered: number;
  /** Streams this node opened with `dial` that connected. */
  streamsDialed: number;
  /** Streams this node accepted. */
  streamsAccepted: number;
  /** Dials by this node that failed (unreachable, timeout, closed). */
  dialsFailed: number;
  /** Streams of this node broken by a reset (peer abort, crash, partition, block). */
  streamsReset: number;
  /**
   * Stream segments (data, FIN, SYN, SYN-ACK) this node sent again after a random loss on a lossy
   * link: streams do not drop a frame, they retransmit it late (counted on the sender).
   */
  streamRetransmits: number;
  /** Stream frames this node wrote that arrived late because of retransmissions. */
  framesStalled: number;
  /**
   * Streams of this node broken because it gave up retransmitting a lost segment (the writer's
   * end fails with `timeout`; the peer's, counted there as a reset, with `reset`).
   */
  streamsTimedOut: number;
}

/** A zeroed {@link TrafficCounters}. */
export function emptyTrafficCounters(): TrafficCounters {
  return {
    datagramsSent: 0,
    datagramBytesSent: 0,
    datagramsDelivered: 0,
    datagramBytesDelivered: 0,
    datagramsDropped: 0,
    datagramBytesDropped: 0,
    droppedBy: { loss: 0, partition: 0, blocked: 0, unreachable: 0, closed: 0, overflow: 0 },
    framesSent: 0,
    frameBytesSent: 0,
    framesDelivered: 0,
    frameBytesDelivered: 0,
    streamsDialed: 0,
    streamsAccepted: 0,
    dialsFailed: 0,
    streamsReset: 0,
    streamRetransmits: 0,
    framesStalled: 0,
    streamsTimedOut: 0,
  };
}

/**
 * A zeroed {@link TrafficCounters}.
 * @deprecated Use {@link emptyTrafficCounters}; `emptyCounters` of `@grapevine/cluster` and of
 * `@grapevine/state` make other counters.
 */
export const emptyCounters: () => TrafficCounters = emptyTrafficCounters;

/** A deep copy of `c`, so a snapshot does not change as traffic flows. */
export function copyCounters(c: TrafficCounters): TrafficCounters {
  return { ...c, droppedBy: { ...c.droppedBy } };
}
