import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import {
  AsyncQueue,
  assertSendable,
  type Datagram,
  type DialOptions,
  formatAddress,
  isUnspecifiedHost,
  parseAddress,
  type Stream,
  type Transport,
  TransportError,
} from "@grapevine/transport";
import WebSocket, { WebSocketServer } from "ws";
import { MAX_CONTROL_CHARS, validatePeerAddress } from "./control.js";
import type { WsCounters } from "./counters.js";
import { PeerLink, type PeerLinkOwner } from "./peer-link.js";
import { type ConnectionHooks, WsConnection } from "./ws-connection.js";
import { toTransportError } from "./ws-errors.js";
import { WsStream, type WsStreamOptions } from "./ws-stream.js";

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

/** Options for {@link bindWs}. Times are in ms, sizes in bytes. */
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

/** A bound WebSocket transport. */
export interface WsTransport extends Transport {
  /** `ws` or `wss` for a listening node; `ws-client` for a dial-only one. */
  readonly scheme: "ws" | "wss" | "ws-client";
  /**
   * Every scheme this transport can send to and dial: `ws`, `wss` and `ws-client` (dial-only
   * peers, reached over the connections they opened).
   */
  readonly schemes: readonly string[];
  /** True when this node accepts connections; false for a dial-only node. */
  readonly listening: boolean;
  /** The address actually listened on, with the real port; `undefined` for a dial-only node. */
  readonly boundAddress: string | undefined;
  /** A snapshot of the transport's counters. */
  counters(): WsCounters;
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

function invalid(what: string, url: string, why: string): never {
  throw new TransportError("invalid-address", `${what} ${JSON.stringify(url)}: ${why}`);
}

/** A fresh dial-only identity: `ws-client://` and 16 random hex digits. */
export function generateClientIdentity(): string {
  return `ws-client://${randomBytes(8).toString("hex")}`;
}

interface Settings {
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
 * Binds a WebSocket transport. With `listen` it accepts connections on that path; without it the
 * node is dial-only. Datagrams to a peer share one connection (reused in both directions:
 * whichever side opened it); every stream gets a connection of its own. Rejects with
 * `TransportError` `invalid-address`, `address-in-use` or `access-denied`; throws `RangeError`
 * for out-of-range numeric options.
 */
export async function bindWs(options: WsTransportOptions = {}): Promise<WsTransport> {
  const settings: Settings = {
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
  if (options.listen === undefined) {
    let identity: string;
    if (options.advertise === undefined) identity = generateClientIdentity();
    else {
      identity = validatePeerAddress(options.advertise);
      if (!identity.startsWith("ws-client://")) {
        invalid(
          "advertise address",
          options.advertise,
          "a node that does not listen can only advertise a ws-client://<id> identity",
        );
      }
    }
    return new WsTransportImpl(settings, options.tls, identity, undefined);
  }

  const listen = parseAddress(options.listen);
  if (listen.scheme !== "ws" && listen.scheme !== "wss") {
    invalid("listen address", options.listen, "scheme must be ws:// or wss://");
  }
  if (
    listen.scheme === "wss" &&
    (options.tls?.cert === undefined || options.tls.key === undefined)
  ) {
    invalid("listen address", options.listen, "wss:// needs tls.cert and tls.key");
  }
  const port = listen.port ?? (listen.scheme === "wss" ? 443 : 80);
  let advertise: ReturnType<typeof parseAddress> | undefined;
  if (options.advertise !== undefined) {
    advertise = parseAddress(options.advertise);
    if (advertise.scheme !== "ws" && advertise.scheme !== "wss") {
      invalid(
        "advertise address",
        options.advertise,
        "a listening node advertises ws:// or wss://",
      );
    }
    if (isUnspecifiedHost(advertise.host)) {
      invalid("advertise address", options.advertise, "peers cannot reach an unspecified address");
    }
  } else if (isUnspecifiedHost(listen.host)) {
    invalid(
      "listen address",
      options.listen,
      "listens on every interface, so it cannot be advertised; set `advertise` to an address peers can reach",
    );
  }

  const tls = options.tls;
  const server: Server =
    listen.scheme === "wss"
      ? createHttpsServer({
          cert: tls?.cert,
          key: tls?.key,
          ...(tls?.ca !== undefined ? { ca: tls.ca as string | Buffer | (string | Buffer)[] } : {}),
          requestCert: tls?.requestCert ?? false,
          rejectUnauthorized: tls?.requestCert ?? false,
        })
      : createHttpServer();
  const boundPort = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error) => {
      server.off("listening", onListening);
      reject(toTransportError(err, `cannot listen on ${listen.url}`, "address-in-use"));
    };
    const onListening = () => {
      server.off("error", onError);
      const a = server.address();
      resolve(typeof a === "object" && a !== null ? a.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host: listen.host, port, ipv6Only: false, exclusive: true });
  });
  const bound = formatAddress(listen.scheme, listen.host, boundPort, listen.path);
  const address = advertise
    ? formatAddress(
        advertise.scheme,
        advertise.host,
        advertise.port === 0 ? boundPort : advertise.port,
        advertise.path === "" ? listen.path : advertise.path,
      )
    : bound;
  const transport = new WsTransportImpl(settings, tls, address, {
    server,
    bound,
    path: listen.path === "" ? "/" : listen.path,
  });
  return transport;
}

interface Listener {
  readonly server: Server;
  readonly bound: string;
  readonly path: string;
}

interface PendingStreamBack {
  readonly from: string;
  readonly resolve: (stream: Stream) => void;
  readonly reject: (err: TransportError) => void;
}

class WsTransportImpl implements WsTransport, PeerLinkOwner {
  readonly scheme: "ws" | "wss" | "ws-client";
  readonly schemes = ["ws", "wss", "ws-client"] as const;
  readonly mtu: number;
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
  readonly listening: boolean;
  readonly boundAddress: string | undefined;
  private readonly inbound: AsyncQueue<Datagram>;
  private readonly incomingStreams: AsyncQueue<Stream>;
  private readonly wss: WebSocketServer | undefined;
  /** Every connection, dialed or accepted, in handshake or open. */
  private readonly connections = new Set<WsConnection>();
  /** Peer links by the peer's canonical address; the newest usable one carries datagrams. */
  private readonly routes = new Map<string, Set<PeerLink>>();
  private readonly streamsBack = new Map<string, PendingStreamBack>();
  /** Open streams, so close can abort them (their writes then reject with `closed`). */
  private readonly openStreams = new Set<WsStream>();
  private readonly targets = new Map<string, string>();
  private readonly keepAlive: ReturnType<typeof setInterval> | undefined;
  private readonly hooks: ConnectionHooks;
  private readonly streamOptions: WsStreamOptions;
  private closing: Promise<void> | undefined;
  private readonly tally = {
    datagramsIn: 0,
    bytesIn: 0,
    datagramsOut: 0,
    bytesOut: 0,
    datagramsDropped: 0,
    sendDrops: 0,
    protocolErrors: 0,
    connectionsDialed: 0,
    connectionsAccepted: 0,
    connectionsRefused: 0,
    keepAliveTimeouts: 0,
  };

  constructor(
    private readonly settings: Settings,
    private readonly tls: WsTlsOptions | undefined,
    readonly address: string,
    private readonly listener: Listener | undefined,
  ) {
    this.scheme = parseAddress(address).scheme as "ws" | "wss" | "ws-client";
    this.mtu = settings.mtu;
    this.maxFrameBytes = settings.maxFrameBytes;
    this.maxBufferedBytes = settings.maxBufferedBytes;
    this.listening = listener !== undefined;
    this.boundAddress = listener?.bound;
    this.inbound = new AsyncQueue<Datagram>(settings.datagramQueueLimit);
    this.incomingStreams = new AsyncQueue<Stream>(settings.maxConnections);
    this.streamOptions = {
      maxFrameBytes: settings.maxFrameBytes,
      maxBufferedBytes: settings.maxBufferedBytes,
      writeTimeoutMs: settings.writeTimeoutMs,
      onClosed: (stream) => this.openStreams.delete(stream),
    };
    this.hooks = {
      onProtocolError: () => {
        this.tally.protocolErrors += 1;
      },
      onGone: (c) => this.connections.delete(c),
      onKeepAliveTimeout: () => {
        this.tally.keepAliveTimeouts += 1;
      },
    };
    if (listener) {
      this.wss = new WebSocketServer({
        noServer: true,
        maxPayload: this.streamMessageLimit(),
        perMessageDeflate: false,
        clientTracking: false,
      });
      this.wss.on("error", () => {});
      const server = listener.server;
      server.headersTimeout = Math.min(server.headersTimeout, settings.handshakeTimeoutMs);
      server.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
      server.on("request", (_req, res) => {
        res.writeHead(426, { "content-type": "text/plain", connection: "close" });
        res.end("this endpoint speaks WebSocket only\n");
      });
      server.on("clientError", (_err, socket) => socket.destroy());
      server.on("tlsClientError", () => {});
      server.on("error", () => {});
    }
    if (settings.keepAliveMs > 0) {
      this.keepAlive = setInterval(() => {
        for (const c of this.connections) c.tick();
      }, settings.keepAliveMs);
      this.keepAlive.unref();
    }
  }

  /** Largest message on a stream connection: a frame or a control message. */
  private streamMessageLimit(): number {
    return Math.max(this.settings.maxFrameBytes, MAX_CONTROL_CHARS * 4);
  }

  /**
   * Largest message on a peer link, and on an accepted connection until its hello: a datagram
   * or a control message. Datagrams above the mtu but under this are dropped and counted; larger
   * messages close the connection (1009).
   */
  private linkMessageLimit(): number {
    return Math.max(this.settings.mtu, MAX_CONTROL_CHARS * 4);
  }

  counters(): WsCounters {
    return { ...this.tally };
  }

  // ── PeerLinkOwner ───────────────────────────────────────────────────────────

  deliver(from: string, data: Buffer): void {
    if (this.inbound.push({ from, data })) {
      this.tally.datagramsIn += 1;
      this.tally.bytesIn += data.byteLength;
    } else if (!this.inbound.closed) {
      this.tally.datagramsDropped += 1;
    }
  }

  dropped(count: number): void {
    this.tally.sendDrops += count;
  }

  sent(bytes: number): void {
    this.tally.datagramsOut += 1;
    this.tally.bytesOut += bytes;
  }

  protocolError(): void {
    this.tally.protocolErrors += 1;
  }

  linkGone(link: PeerLink): void {
    for (const [address, links] of this.routes) {
      if (links.delete(link) && links.size === 0) this.routes.delete(address);
    }
  }

  openStreamBack(link: PeerLink, token: string): void {
    if (this.closing || this.connections.size >= this.settings.maxConnections) return;
    const connection = this.openConnection(link.connection.url, "stream");
    connection
      .dialHandshake(
        { kind: "hello", role: "stream", from: this.address, token },
        this.settings.handshakeTimeoutMs,
      )
      .then(
        (from) => {
          const stream = this.stream(connection, from);
          if (!this.incomingStreams.push(stream)) stream.abort();
        },
        () => {
          // The listener that asked will time out its dial; nothing to report here.
        },
      );
  }

  // ── routing ─────────────────────────────────────────────────────────────────

  private route(address: string): PeerLink | undefined {
    const links = this.routes.get(address);
    if (links === undefined) return undefined;
    // Prefer an open link this node dialed (it reached that URL itself), then an open accepted
    // one (the peer's hello named the address), then one still connecting; among equals, the
    // newest.
    let best: PeerLink | undefined;
    let bestRank = -1;
    for (const link of links) {
      if (!link.usable) continue;
      const rank = link.open ? (link.connection.direction === "out" ? 2 : 1) : 0;
      if (rank >= bestRank) {
        best = link;
        bestRank = rank;
      }
    }
    return best;
  }

  private addRoute(address: string, link: PeerLink): void {
    let links = this.routes.get(address);
    if (links === undefined) {
      links = new Set();
      this.routes.set(address, links);
    }
    links.add(link);
  }

  private target(to: string): string {
    let canonical = this.targets.get(to);
    if (canonical === undefined) {
      canonical = validatePeerAddress(to);
      if (this.targets.size >= 4096) this.targets.clear();
      this.targets.set(to, canonical);
    }
    return canonical;
  }

  // ── Transport ───────────────────────────────────────────────────────────────

  send(to: string, data: Uint8Array): void {
    assertSendable(this.closing !== undefined, this.mtu, data, "transport");
    const address = this.target(to);
    const link = this.route(address);
    if (link !== undefined) {
      link.send(data);
      return;
    }
    if (address.startsWith("ws-client://")) {
      // A dial-only peer is reachable only while a connection it opened is up.
      this.tally.sendDrops += 1;
      return;
    }
    if (this.connections.size >= this.settings.maxConnections) {
      this.tally.sendDrops += 1;
      return;
    }
    this.dialLink(address).send(data);
  }

  private dialLink(url: string): PeerLink {
    const connection = this.openConnection(url, "peer");
    const link = new PeerLink(connection, this, true);
    this.addRoute(url, link);
    connection
      .dialHandshake(
        { kind: "hello", role: "peer", from: this.address },
        this.settings.handshakeTimeoutMs,
      )
      .then(
        (from) => {
          if (from !== url) this.addRoute(from, link);
          link.opened();
        },
        () => link.failed(),
      );
    return link;
  }

  private openConnection(url: string, role: "peer" | "stream"): WsConnection {
    const tls = this.tls;
    const ws = new WebSocket(url, {
      maxPayload: role === "peer" ? this.linkMessageLimit() : this.streamMessageLimit(),
      perMessageDeflate: false,
      handshakeTimeout: this.settings.handshakeTimeoutMs,
      followRedirects: false,
      ...(url.startsWith("wss:")
        ? {
            ...(tls?.ca !== undefined
              ? { ca: tls.ca as string | Buffer | (string | Buffer)[] }
              : {}),
            ...(tls?.cert !== undefined && tls.key !== undefined
              ? { cert: tls.cert, key: tls.key }
              : {}),
            rejectUnauthorized: tls?.rejectUnauthorized ?? true,
          }
        : {}),
    });
    const connection = new WsConnection(ws, "out", url, this.hooks);
    this.connections.add(connection);
    this.tally.connectionsDialed += 1;
    return connection;
  }

  private stream(connection: WsConnection, remote: string): WsStream {
    const stream = new WsStream(connection, remote, this.streamOptions);
    this.openStreams.add(stream);
    return stream;
  }

  datagrams(): AsyncIterable<Datagram> {
    return this.inbound;
  }

  streams(): AsyncIterable<Stream> {
    return this.incomingStreams;
  }

  async dial(to: string, options?: DialOptions): Promise<Stream> {
    if (this.closing) throw new TransportError("closed", "transport is closed");
    const address = this.target(to);
    const timeoutMs = options?.timeoutMs ?? this.settings.handshakeTimeoutMs;
    if (this.connections.size >= this.settings.maxConnections) {
      throw new TransportError(
        "limit",
        `${this.connections.size} connections open; the limit is ${this.settings.maxConnections}`,
      );
    }
    if (address.startsWith("ws-client://")) return this.dialBack(address, timeoutMs);
    const connection = this.openConnection(address, "stream");
    await connection.dialHandshake(
      { kind: "hello", role: "stream", from: this.address },
      timeoutMs,
    );
    if (this.closing) {
      connection.terminate();
      throw new TransportError("closed", "transport closed while dialing");
    }
    return this.stream(connection, address);
  }

  /**
   * A stream to a dial-only peer: over the link it opened to us, ask it to open a stream
   * connection back, and resolve with that connection when it arrives with our token.
   */
  private dialBack(address: string, timeoutMs: number): Promise<Stream> {
    const link = this.route(address);
    if (link === undefined || !link.open) {
      return Promise.reject(
        new TransportError("unreachable", `${address} is dial-only and has no connection to us`),
      );
    }
    const token = randomBytes(16).toString("hex");
    return new Promise<Stream>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.streamsBack.delete(token);
        reject(new TransportError("timeout", `${address} did not open a stream back in time`));
      }, timeoutMs);
      this.streamsBack.set(token, {
        from: address,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      link.connection.sendControl({ kind: "open-stream", token });
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => {});
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (this.closing || this.wss === undefined) {
      socket.destroy();
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (path !== this.listener!.path) {
      reject(404, "Not Found");
      return;
    }
    if (this.connections.size >= this.settings.maxConnections) {
      this.tally.connectionsRefused += 1;
      reject(503, "Service Unavailable");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onAccepted(ws));
  }

  private onAccepted(ws: WebSocket): void {
    if (this.closing) {
      ws.terminate();
      return;
    }
    const connection = new WsConnection(ws, "in", "", this.hooks);
    this.connections.add(connection);
    this.tally.connectionsAccepted += 1;
    // Until its hello names it a stream, a connection gets a datagram-sized allowance.
    connection.setMessageLimit(this.linkMessageLimit());
    connection.acceptHandshake(this.settings.handshakeTimeoutMs).then(
      (hello) => {
        if (this.closing) {
          connection.terminate();
          return;
        }
        if (hello.role === "stream") connection.setMessageLimit(this.streamMessageLimit());
        if (hello.role === "peer") {
          connection.welcome(this.address);
          this.addRoute(hello.from, new PeerLink(connection, this, false));
          return;
        }
        if (hello.token !== undefined) {
          const pending = this.streamsBack.get(hello.token);
          if (pending === undefined || pending.from !== hello.from) {
            this.tally.protocolErrors += 1;
            connection.refuse("unknown-token");
            return;
          }
          this.streamsBack.delete(hello.token);
          connection.welcome(this.address);
          pending.resolve(this.stream(connection, hello.from));
          return;
        }
        connection.welcome(this.address);
        const stream = this.stream(connection, hello.from);
        if (!this.incomingStreams.push(stream)) stream.abort();
      },
      () => {
        // A bad or missing hello is counted where it is detected; the connection is gone.
      },
    );
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive);
    this.inbound.end();
    this.inbound.clear();
    this.incomingStreams.end();
    this.incomingStreams.clear();
    for (const pending of this.streamsBack.values()) {
      pending.reject(new TransportError("closed", "transport closed"));
    }
    this.streamsBack.clear();
    // Cut every connection at once: the other side's streams see a reset, links just vanish.
    for (const stream of [...this.openStreams]) stream.abort();
    this.openStreams.clear();
    for (const c of [...this.connections]) c.terminate();
    this.routes.clear();
    const server = this.listener?.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }
}
