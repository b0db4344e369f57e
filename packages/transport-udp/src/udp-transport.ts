import type { Socket as DgramSocket } from "node:dgram";
import { connect, isIP, type Server, type Socket } from "node:net";
import { formatAddress, isUnspecifiedHost } from "@grapevine/protocol";
import {
  AsyncQueue,
  assertCanDial,
  assertSendable,
  type Datagram,
  type DialOptions,
  endQueues,
  parseAddress,
  type Stream,
  type Transport,
  TransportError,
} from "@grapevine/transport";
import { bindSockets } from "./bind-sockets.js";
import { ByteBudget } from "./byte-budget.js";
import { countSendError, type UdpCounters } from "./counters.js";
import { DatagramStream } from "./datagram-stream.js";
import { encodeFrame, MAX_FRAME_LIMIT } from "./frame-codec.js";
import { encodeReply, validateUdpAddress } from "./handshake.js";
import { TcpStream, type TcpStreamOptions } from "./tcp-stream.js";

/** Options for {@link bindUdp}. Times are in ms, sizes in bytes. */
export interface UdpTransportOptions {
  /**
   * Where to listen, as `udp://ip:port` with an IP literal: `udp://0.0.0.0:7946`, `udp://[::]:0`,
   * `udp://127.0.0.1:0`. UDP and TCP bind the same IP and port; port 0 picks a port free for
   * both; no port means 7946. `[::]` is dual-stack (IPv4 peers reach it too).
   */
  readonly bind: string;
  /**
   * The `udp://host:port` peers use to reach this node. Defaults to the bind address with the
   * real port; required when binding an unspecified address (`0.0.0.0`, `::`), which cannot be
   * advertised. A missing or 0 port means the bound port.
   */
  readonly advertise?: string;
  /** Largest datagram payload (default 1400, a safe size under common path MTUs; max 65507). */
  readonly mtu?: number;
  /** Largest stream frame (default 4 MiB). */
  readonly maxFrameBytes?: number;
  /**
   * Most bytes this transport holds in incoming stream frames not yet whole, across all its
   * connections (default 64 MiB, or `maxFrameBytes` when that is larger; may not be below
   * `maxFrameBytes`). A frame reserves its announced length when its header arrives, so without
   * this bound `maxConnections` strangers announcing `maxFrameBytes` each could make the node
   * buffer their product before anything is authenticated. A connection whose frame does not fit
   * is broken with `limit` and counted in `framesRefusedOverBudget`; connections already holding
   * reservations carry on.
   */
  readonly maxBufferedFrameBytes?: number;
  /** Default deadline for `dial`: TCP connect plus handshake (default 5000). */
  readonly connectTimeoutMs?: number;
  /** A stream with no bytes either way for this long is broken with `timeout` (default 30000; 0 = never). */
  readonly idleTimeoutMs?: number;
  /** A write or close the peer does not drain within this long breaks the stream (default 10000). */
  readonly writeTimeoutMs?: number;
  /** Most TCP connections open at once, dialed and accepted together (default 256). */
  readonly maxConnections?: number;
  /** Most received datagrams held for a slow reader before new ones are dropped (default 4096). */
  readonly datagramQueueLimit?: number;
  /** Kernel receive buffer for the UDP socket, best effort (default 4 MiB). */
  readonly recvBufferBytes?: number;
}

/** A bound UDP transport: datagrams over UDP, streams over TCP on the same port. */
export interface UdpTransport extends Transport {
  readonly scheme: "udp";
  /** The address actually bound, with the real port (`udp://0.0.0.0:7946`). */
  readonly boundAddress: string;
  /** A snapshot of the transport's counters. */
  counters(): UdpCounters;
}

const DEFAULTS = {
  mtu: 1400,
  maxFrameBytes: 4 * 1024 * 1024,
  maxBufferedFrameBytes: 64 * 1024 * 1024,
  connectTimeoutMs: 5000,
  idleTimeoutMs: 30_000,
  writeTimeoutMs: 10_000,
  maxConnections: 256,
  datagramQueueLimit: 4096,
  recvBufferBytes: 4 * 1024 * 1024,
  port: 7946,
} as const;

/** Largest UDP payload over IPv4 (65535 − 8-byte UDP header − 20-byte IP header). */
const MAX_UDP_PAYLOAD = 65_507;
/** How many parsed send targets are cached; the cache is reset when full. */
const TARGET_CACHE_LIMIT = 4096;

interface Target {
  readonly host: string;
  readonly port: number;
  readonly family: 0 | 4 | 6;
}

function positiveInt(name: string, value: number | undefined, fallback: number, max: number) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in 1-${max}, got ${value}`);
  }
  return value;
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

function invalid(what: string, url: string, why: string): never {
  throw new TransportError("invalid-address", `${what} ${JSON.stringify(url)}: ${why}`);
}

function parseBind(url: string): { host: string; port: number } {
  const a = parseAddress(url);
  if (a.scheme !== "udp") invalid("bind address", url, "scheme must be udp://");
  if (a.path !== "") invalid("bind address", url, "a udp:// address has no path");
  if (isIP(a.host) === 0) invalid("bind address", url, "host must be an IP literal");
  return { host: a.host, port: a.port ?? DEFAULTS.port };
}

/**
 * Binds a UDP transport: datagrams over `node:dgram`, reliable streams over TCP on the same port
 * (one TCP connection per stream, frames prefixed with a 4-byte big-endian length). Resolves once
 * both sockets are bound; rejects with `TransportError` `invalid-address` (bad bind or advertise
 * address, or an unspecified bind address with no advertise), `address-in-use` or
 * `access-denied`. Throws `RangeError` for out-of-range numeric options (including a
 * `maxBufferedFrameBytes` below `maxFrameBytes`).
 */
export async function bindUdp(options: UdpTransportOptions): Promise<UdpTransport> {
  const bind = parseBind(options.bind);
  let advertise: { host: string; port: number | undefined } | undefined;
  if (options.advertise !== undefined) {
    const a = parseAddress(options.advertise);
    if (a.scheme !== "udp")
      invalid("advertise address", options.advertise, "scheme must be udp://");
    if (a.path !== "")
      invalid("advertise address", options.advertise, "a udp:// address has no path");
    if (isUnspecifiedHost(a.host)) {
      invalid("advertise address", options.advertise, "peers cannot reach an unspecified address");
    }
    advertise = { host: a.host, port: a.port === 0 ? undefined : a.port };
  } else if (isUnspecifiedHost(bind.host)) {
    invalid(
      "bind address",
      options.bind,
      "binds every interface, so it cannot be advertised; set `advertise` to an address peers can reach",
    );
  }
  const maxFrameBytes = positiveInt(
    "maxFrameBytes",
    options.maxFrameBytes,
    DEFAULTS.maxFrameBytes,
    MAX_FRAME_LIMIT,
  );
  const maxBufferedFrameBytes = positiveInt(
    "maxBufferedFrameBytes",
    options.maxBufferedFrameBytes,
    Math.max(DEFAULTS.maxBufferedFrameBytes, maxFrameBytes),
    Number.MAX_SAFE_INTEGER,
  );
  if (maxBufferedFrameBytes < maxFrameBytes) {
    throw new RangeError(
      `maxBufferedFrameBytes must be at least maxFrameBytes (${maxFrameBytes}), ` +
        `or no frame of the largest size could ever be received; got ${maxBufferedFrameBytes}`,
    );
  }
  const settings = {
    mtu: positiveInt("mtu", options.mtu, DEFAULTS.mtu, MAX_UDP_PAYLOAD),
    maxFrameBytes,
    maxBufferedFrameBytes,
    connectTimeoutMs: positiveInt(
      "connectTimeoutMs",
      options.connectTimeoutMs,
      DEFAULTS.connectTimeoutMs,
      2 ** 31 - 1,
    ),
    idleTimeoutMs: nonNegativeInt("idleTimeoutMs", options.idleTimeoutMs, DEFAULTS.idleTimeoutMs),
    writeTimeoutMs: positiveInt(
      "writeTimeoutMs",
      options.writeTimeoutMs,
      DEFAULTS.writeTimeoutMs,
      2 ** 31 - 1,
    ),
    maxConnections: positiveInt(
      "maxConnections",
      options.maxConnections,
      DEFAULTS.maxConnections,
      2 ** 31 - 1,
    ),
    datagramQueueLimit: positiveInt(
      "datagramQueueLimit",
      options.datagramQueueLimit,
      DEFAULTS.datagramQueueLimit,
      2 ** 31 - 1,
    ),
  };
  const transport = new UdpTransportImpl(settings);
  const sockets = await bindSockets(bind.host, bind.port, (socket) => transport.accept(socket));
  try {
    sockets.udp.setRecvBufferSize(options.recvBufferBytes ?? DEFAULTS.recvBufferBytes);
  } catch {
    // Best effort: the kernel may cap or refuse it; the default buffer still works.
  }
  const address = formatAddress(
    "udp",
    advertise?.host ?? bind.host,
    advertise?.port ?? sockets.port,
  );
  transport.start(
    sockets.server,
    sockets.udp,
    sockets.family,
    address,
    formatAddress("udp", bind.host, sockets.port),
  );
  return transport;
}

type Settings = {
  readonly mtu: number;
  readonly maxFrameBytes: number;
  readonly maxBufferedFrameBytes: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly maxConnections: number;
  readonly datagramQueueLimit: number;
};

class UdpTransportImpl implements UdpTransport {
  readonly scheme = "udp" as const;
  readonly mtu: number;
  readonly maxFrameBytes: number;
  address = "";
  boundAddress = "";
  private server!: Server;
  private udp!: DgramSocket;
  private family: 4 | 6 = 4;
  private inbound!: DatagramStream;
  private readonly incomingStreams: AsyncQueue<Stream>;
  /** Every open stream connection, dialed or accepted, so close can break them all. */
  private readonly open = new Set<TcpStream>();
  /** Connections refused for the limit, waiting for the dialer to hang up. */
  private readonly refused = new Set<Socket>();
  private readonly targets = new Map<string, Target>();
  private closing: Promise<void> | undefined;
  private readonly tally = {
    datagramsOut: 0,
    bytesOut: 0,
    sendErrors: 0,
    framesRejected: 0,
    framesRefusedOverBudget: 0,
    streamsDialed: 0,
    streamsAccepted: 0,
    connectionsRefused: 0,
    socketErrors: 0,
  };
  private readonly sendErrorsByCode: Record<string, number> = {};
  private readonly streamOptions: TcpStreamOptions;
  /** Bytes reserved by incoming frames not yet whole, across every stream connection. */
  private readonly frameBudget: ByteBudget;

  constructor(private readonly settings: Settings) {
    this.mtu = settings.mtu;
    this.maxFrameBytes = settings.maxFrameBytes;
    this.incomingStreams = new AsyncQueue<Stream>(settings.maxConnections);
    this.frameBudget = new ByteBudget(settings.maxBufferedFrameBytes);
    this.streamOptions = {
      maxFrameBytes: settings.maxFrameBytes,
      frameBudget: this.frameBudget,
      idleTimeoutMs: settings.idleTimeoutMs,
      writeTimeoutMs: settings.writeTimeoutMs,
      onProtocolError: () => {
        this.tally.framesRejected += 1;
      },
      onOverBudget: () => {
        this.tally.framesRefusedOverBudget += 1;
      },
      onCreated: (stream) => this.open.add(stream),
      onClosed: (stream) => this.open.delete(stream),
    };
  }

  /** Wires the bound sockets in; called once by {@link bindUdp}. */
  start(server: Server, udp: DgramSocket, family: 4 | 6, address: string, bound: string): void {
    this.server = server;
    this.udp = udp;
    this.family = family;
    this.address = address;
    this.boundAddress = bound;
    this.inbound = new DatagramStream(udp, "udp", this.settings.datagramQueueLimit);
    // Errors on a bound socket (rare: ICMP reports on some platforms) are counted, never thrown.
    udp.on("error", () => {
      this.tally.socketErrors += 1;
    });
    server.on("error", () => {
      this.tally.socketErrors += 1;
    });
  }

  counters(): UdpCounters {
    const c = this.inbound.counts;
    return {
      ...this.tally,
      sendErrorsByCode: { ...this.sendErrorsByCode },
      bufferedFrameBytes: this.frameBudget.inUse,
      datagramsIn: c.received,
      bytesIn: c.receivedBytes,
      datagramsDropped: c.dropped,
    };
  }

  private target(to: string): Target {
    let t = this.targets.get(to);
    if (t !== undefined) return t;
    const a = parseAddress(to);
    if (a.scheme !== "udp") invalid("destination", to, "scheme must be udp://");
    if (a.port === undefined || a.port === 0) invalid("destination", to, "needs a port in 1-65535");
    if (a.path !== "") invalid("destination", to, "a udp:// address has no path");
    const family = isIP(a.host);
    t = { host: a.host, port: a.port, family: family === 4 || family === 6 ? family : 0 };
    if (this.targets.size >= TARGET_CACHE_LIMIT) this.targets.clear();
    this.targets.set(to, t);
    return t;
  }

  send(to: string, data: Uint8Array): void {
    assertSendable(this.closing !== undefined, this.mtu, data, "transport");
    const t = this.target(to);
    let host = t.host;
    if (t.family === 4 && this.family === 6) host = `::ffff:${host}`;
    else if (t.family === 6 && this.family === 4) {
      // An IPv4 socket cannot reach an IPv6 peer: a drop, like any unreachable destination.
      this.sendFailed({ code: "EAFNOSUPPORT" });
      return;
    }
    // Copy: the caller may reuse its buffer as soon as send returns, before the kernel has it.
    this.udp.send(Buffer.from(data), t.port, host, this.sent);
  }

  /** Every send's completion (one function, not a closure per datagram). */
  private readonly sent = (err: Error | null, bytes: number): void => {
    if (err) {
      this.sendFailed(err);
    } else {
      this.tally.datagramsOut += 1;
      this.tally.bytesOut += bytes;
    }
  };

  private sendFailed(err: unknown): void {
    this.tally.sendErrors += 1;
    countSendError(this.sendErrorsByCode, err);
  }

  datagrams(): AsyncIterable<Datagram> {
    return this.inbound;
  }

  streams(): AsyncIterable<Stream> {
    return this.incomingStreams;
  }

  async dial(to: string, options?: DialOptions): Promise<Stream> {
    assertCanDial(this.closing !== undefined, this.open.size, this.settings.maxConnections);
    const remote = validateUdpAddress(to, "destination");
    const t = this.target(remote);
    const timeoutMs = options?.timeoutMs ?? this.settings.connectTimeoutMs;
    const socket = connect({ host: t.host, port: t.port, allowHalfOpen: true });
    const stream = await TcpStream.dial(
      socket,
      remote,
      this.address,
      timeoutMs,
      this.streamOptions,
    );
    this.tally.streamsDialed += 1;
    return stream;
  }

  /** Takes an accepted TCP connection through the handshake into the incoming streams. */
  accept(socket: Socket): void {
    if (this.closing || this.open.size >= this.settings.maxConnections) {
      socket.on("error", () => {});
      if (!this.closing) {
        this.tally.connectionsRefused += 1;
        // Tell the dialer why, then let it hang up; a timer frees the slot if it never does.
        this.refused.add(socket);
        socket.on("close", () => this.refused.delete(socket));
        socket.setTimeout(this.settings.connectTimeoutMs, () => socket.destroy());
        socket.end(encodeFrame(encodeReply("refuse-limit")));
      } else {
        socket.destroy();
      }
      return;
    }
    TcpStream.accept(
      socket,
      this.settings.connectTimeoutMs,
      () => "accept",
      this.streamOptions,
    ).then(
      (stream) => {
        if (this.incomingStreams.push(stream)) this.tally.streamsAccepted += 1;
        else stream.abort();
      },
      () => {
        // A failed handshake (garbage, timeout) is counted where it is detected and dropped.
      },
    );
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    endQueues(this.inbound, this.incomingStreams);
    for (const stream of this.open) stream.abort();
    for (const socket of this.refused) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.server.close(() => resolve())),
      new Promise<void>((resolve) => {
        try {
          this.udp.close(() => resolve());
        } catch {
          resolve();
        }
      }),
    ]);
  }
}
