/** Why the network dropped a datagram. */
export type DropReason =
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

/** Every {@link DropReason}, in a fixed order. */
export const DROP_REASONS: readonly DropReason[] = [
  "loss",
  "partition",
  "blocked",
  "unreachable",
  "closed",
  "overflow",
];

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
  droppedBy: Record<DropReason, number>;
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
}

/** A zeroed {@link TrafficCounters}. */
export function emptyCounters(): TrafficCounters {
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
  };
}

/** A deep copy of `c`, so a snapshot does not change as traffic flows. */
export function copyCounters(c: TrafficCounters): TrafficCounters {
  return { ...c, droppedBy: { ...c.droppedBy } };
}
