/** One datagram as received: the bytes and the sender's address URL. */
export interface Datagram {
  /** Address URL of the sender, in the receiving transport's scheme (e.g. `udp://127.0.0.1:7946`). */
  readonly from: string;
  readonly data: Uint8Array;
}

/**
 * A reliable, ordered channel of whole frames to one peer: push-pull state exchange and fallback
 * probes. Iterating it yields incoming frames until the peer closes (iteration ends) or the stream
 * breaks (iteration throws a `TransportError` with code `reset`, `timeout` or `protocol`).
 */
export interface Stream extends AsyncIterable<Uint8Array> {
  /** Address URL of the other end. For an accepted stream this is the dialer's address. */
  readonly remote: string;
  /**
   * Sends one frame. Resolves once the transport has taken the frame (back-pressure: a slow peer
   * makes this wait); rejects with `frame-too-large`, `closed`, `reset` or `timeout`.
   */
  write(frame: Uint8Array): Promise<void>;
  /** Ends the stream gracefully after pending writes. Idempotent. */
  close(): Promise<void>;
  /** Tears the stream down at once; the peer's iteration throws `reset`. Idempotent. */
  abort(): void;
}

/** Options for {@link Transport.dial}. */
export interface DialOptions {
  /** Give up connecting after this many ms (default: the transport's connect timeout). */
  readonly timeoutMs?: number;
}

/**
 * A bound endpoint that moves opaque bytes. It knows nothing of SWIM.
 *
 * Datagrams are unreliable, unordered and at most {@link Transport.mtu} bytes. Streams are reliable
 * and ordered. Incoming datagrams and streams are async-iterables, each with a single consumer.
 */
export interface Transport {
  /** URL scheme this transport speaks: `udp`, `ws`, `mem`, ... */
  readonly scheme: string;
  /** Largest datagram payload in bytes; `send` of `mtu + 1` bytes throws `oversized`. */
  readonly mtu: number;
  /** Largest stream frame in bytes. */
  readonly maxFrameBytes: number;
  /** The address URL peers use to reach this transport (its advertised address). */
  readonly address: string;
  /**
   * Sends a datagram, best effort. Throws `TransportError('oversized')` above `mtu` and `closed`
   * after close; never throws because the peer is absent or the network failed (those are drops).
   */
  send(to: string, data: Uint8Array): void;
  /** Incoming datagrams. Ends when the transport closes. */
  datagrams(): AsyncIterable<Datagram>;
  /** Opens a stream to `to`. Rejects with `unreachable`, `timeout` or `closed`. */
  dial(to: string, options?: DialOptions): Promise<Stream>;
  /** Streams opened by peers. Ends when the transport closes. */
  streams(): AsyncIterable<Stream>;
  /** Stops receiving, breaks open streams, frees the address. Idempotent. */
  close(): Promise<void>;
}
