/** TLS material for `wss://`: PEM text or buffers, as `node:tls` takes them. */
export interface WsTlsOptions {
  /** This node's certificate chain; required to listen on `wss://`, optional client certificate. */
  readonly cert?: string | Buffer;
  /** The certificate's private key; required with `cert`. */
  readonly key?: string | Buffer;
  /** CAs to trust for peers (default: Node's bundled roots). Self-signed clusters pass theirs. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Listener: require dialers to present a certificate signed by `ca` (mutual TLS). */
  readonly requestCert?: boolean;
  /** Dialer: refuse peers whose certificate does not verify (default true). */
  readonly rejectUnauthorized?: boolean;
}

/** Options for `bindWs`. Times are in ms, sizes in bytes. */
export interface WsTransportOptions {
  /**
   * Where to accept connections: `ws://host:port/path` or `wss://...` (needs `tls`). Port 0
   * picks a free port. Absent: a dial-only node (browser, NAT), reachable only over the
   * connections it opens.
   */
  readonly listen?: string;
  /**
   * The address peers use to reach this node. With `listen`: a `ws://` or `wss://` URL
   * (default: the listen address with the real port; required when listening on an unspecified
   * host); port 0 means the bound port and a missing path means the listen path. Without
   * `listen`: a `ws-client://<id>` identity (default: a random one).
   */
  readonly advertise?: string;
  /** TLS material: certificate and key to listen on `wss://`, CAs to trust when dialing one. */
  readonly tls?: WsTlsOptions;
  /** Largest datagram payload (default 1400, the same budget as UDP). */
  readonly mtu?: number;
  /** Largest stream frame (default 4 MiB). */
  readonly maxFrameBytes?: number;
  /** Most WebSocket connections open at once, dialed and accepted together (default 512). */
  readonly maxConnections?: number;
  /** Deadline for a connection's opening: TCP, TLS, HTTP upgrade and hello (default 5000). */
  readonly handshakeTimeoutMs?: number;
  /**
   * Ping interval; a connection that has not answered since the previous ping is closed, so a
   * dead peer is noticed within two intervals (default 15000; 0 disables).
   */
  readonly keepAliveMs?: number;
  /**
   * Unsent bytes a connection may hold: datagrams beyond it are dropped, stream writes beyond it
   * wait for the socket (default 1 MiB).
   */
  readonly maxBufferedBytes?: number;
  /** A stream write or close the peer does not take within this long breaks it (default 10000). */
  readonly writeTimeoutMs?: number;
  /** Most received datagrams held for a slow reader before new ones are dropped (default 4096). */
  readonly datagramQueueLimit?: number;
}

const DEFAULTS = {
  mtu: 1400,
  maxFrameBytes: 4 * 1024 * 1024,
  maxConnections: 512,
  handshakeTimeoutMs: 5000,
  keepAliveMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  writeTimeoutMs: 10_000,
  datagramQueueLimit: 4096,
} as const;

const MAX_INT32 = 2 ** 31 - 1;

function int(name: string, value: number | undefined, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}-${max}, got ${value}`);
  }
  return value;
}

/** The numeric options, checked and with defaults filled in. */
export interface Settings {
  readonly mtu: number;
  readonly maxFrameBytes: number;
  readonly maxConnections: number;
  readonly handshakeTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly maxBufferedBytes: number;
  readonly writeTimeoutMs: number;
  readonly datagramQueueLimit: number;
}

/**
 * The numeric options with defaults for those not given.
 * @throws RangeError for a value out of range.
 */
export function resolveSettings(options: WsTransportOptions): Settings {
  return {
    mtu: int("mtu", options.mtu, DEFAULTS.mtu, 1, 64 * 1024 * 1024),
    maxFrameBytes: int("maxFrameBytes", options.maxFrameBytes, DEFAULTS.maxFrameBytes, 1, 1 << 30),
    maxConnections: int(
      "maxConnections",
      options.maxConnections,
      DEFAULTS.maxConnections,
      1,
      MAX_INT32,
    ),
    handshakeTimeoutMs: int(
      "handshakeTimeoutMs",
      options.handshakeTimeoutMs,
      DEFAULTS.handshakeTimeoutMs,
      1,
      MAX_INT32,
    ),
    keepAliveMs: int("keepAliveMs", options.keepAliveMs, DEFAULTS.keepAliveMs, 0, MAX_INT32),
    maxBufferedBytes: int(
      "maxBufferedBytes",
      options.maxBufferedBytes,
      DEFAULTS.maxBufferedBytes,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    writeTimeoutMs: int(
      "writeTimeoutMs",
      options.writeTimeoutMs,
      DEFAULTS.writeTimeoutMs,
      1,
      MAX_INT32,
    ),
    datagramQueueLimit: int(
      "datagramQueueLimit",
      options.datagramQueueLimit,
      DEFAULTS.datagramQueueLimit,
      1,
      MAX_INT32,
    ),
  };
}
