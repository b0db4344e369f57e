/**
 * What a UDP transport has done since it was bound: a snapshot from
 * {@link UdpTransport.counters}. Counts are of datagrams, frames and connections; `...Bytes` are
 * payload bytes (no UDP, TCP or frame headers).
 */
export interface UdpCounters {
  /** Datagrams received and queued for the reader. */
  readonly datagramsIn: number;
  /** Payload bytes of those datagrams. */
  readonly bytesIn: number;
  /** Datagrams the kernel accepted for sending. */
  readonly datagramsOut: number;
  /** Payload bytes of those datagrams. */
  readonly bytesOut: number;
  /** Datagrams dropped on arrival because the reader was too far behind. */
  readonly datagramsDropped: number;
  /** Sends that failed (unreachable network, no route, wrong address family, DNS failure). */
  readonly sendErrors: number;
  /**
   * The same failures by the error's code (`EPERM`, `ENETUNREACH`, `EACCES`, `EAFNOSUPPORT` for
   * an IPv6 peer of an IPv4 socket, `ENOTFOUND`, ...); the values add up to `sendErrors`. At most
   * {@link MAX_SEND_ERROR_CODES} codes are told apart; any further one is counted as `other`.
   */
  readonly sendErrorsByCode: Readonly<Record<string, number>>;
  /** Stream connections dropped for breaking the framing (oversized length prefix, bad hello). */
  readonly framesRejected: number;
  /**
   * Stream connections dropped because a frame they announced did not fit in the transport's
   * `maxBufferedFrameBytes` budget.
   */
  readonly framesRefusedOverBudget: number;
  /**
   * Bytes reserved right now by incoming stream frames not yet whole, across all connections (a
   * level, not a running count; at most `maxBufferedFrameBytes`).
   */
  readonly bufferedFrameBytes: number;
  /** Streams opened by `dial`. */
  readonly streamsDialed: number;
  /** Streams accepted from peers. */
  readonly streamsAccepted: number;
  /** Incoming connections refused because `maxConnections` were open. */
  readonly connectionsRefused: number;
  /** Errors reported by the UDP socket itself (counted, never thrown). */
  readonly socketErrors: number;
}

/** Distinct error codes {@link UdpCounters.sendErrorsByCode} tells apart. */
export const MAX_SEND_ERROR_CODES = 32;

/** Counts one failed send under its error code (bounded: see {@link MAX_SEND_ERROR_CODES}). */
export function countSendError(byCode: Record<string, number>, err: unknown): void {
  const raw = (err as { code?: unknown } | null)?.code;
  let code = typeof raw === "string" && /^[A-Z][A-Z0-9_]{0,31}$/.test(raw) ? raw : "unknown";
  if (byCode[code] === undefined && Object.keys(byCode).length >= MAX_SEND_ERROR_CODES) {
    code = "other";
  }
  byCode[code] = (byCode[code] ?? 0) + 1;
}
