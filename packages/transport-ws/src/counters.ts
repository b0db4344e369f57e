/**
 * What a WebSocket transport has done since it was bound: a snapshot from
 * {@link WsTransport.counters}. `...Bytes` are payload bytes (no WebSocket or TCP headers).
 */
export interface WsCounters {
  /** Datagrams received and queued for the reader. */
  readonly datagramsIn: number;
  /** Payload bytes of those datagrams. */
  readonly bytesIn: number;
  /** Datagrams handed to a connection for sending. */
  readonly datagramsOut: number;
  /** Payload bytes of those datagrams. */
  readonly bytesOut: number;
  /** Received datagrams dropped because the reader was too far behind. */
  readonly datagramsDropped: number;
  /**
   * Datagrams not sent: the peer's connection was over `maxBufferedBytes`, the connection
   * failed before they went out, no route to a dial-only peer, or the connection limit.
   */
  readonly sendDrops: number;
  /** Messages or connections rejected for breaking the protocol (bad hello, oversized datagram). */
  readonly protocolErrors: number;
  /** WebSocket connections opened by this node (peer links and streams). */
  readonly connectionsDialed: number;
  /** WebSocket connections accepted from peers. */
  readonly connectionsAccepted: number;
  /** Incoming connections refused because `maxConnections` were open. */
  readonly connectionsRefused: number;
  /** Connections closed because they stopped answering pings. */
  readonly keepAliveTimeouts: number;
}
