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
import { MAX_CONTROL_CHARS, validatePeerAddress } from "./control.js";
import type { WsCounters } from "./counters.js";
import { PeerLink, type PeerLinkOwner } from "./peer-link.js";
import { PeerRoutes } from "./peer-routes.js";
import { StreamsBack } from "./streams-back.js";
import type { WireDialer, WireSocket } from "./wire-socket.js";
import { type ConnectionHooks, WsConnection } from "./ws-connection.js";
import type { Settings } from "./ws-options.js";
import { WsStream, type WsStreamOptions } from "./ws-stream.js";

/** A bound WebSocket transport. */
export interface WsTransport extends Transport {
  /** `ws` or `wss` for a listening node; `ws-client` for a dial-only one. */
  readonly scheme: "ws" | "wss" | "ws-client";
  /**
   * Every scheme this transport can send to and dial: `ws` and `wss`, and for a listening node
   * `ws-client` (dial-only peers, reached over the connections they opened). A dial-only node
   * cannot reach another dial-only node: neither accepts connections.
   */
  readonly schemes: readonly string[];
  /** True when this node accepts connections; false for a dial-only node. */
  readonly listening: boolean;
  /** The address actually listened on, with the real port; `undefined` for a dial-only node. */
  readonly boundAddress: string | undefined;
  /** A snapshot of the transport's counters. */
  counters(): WsCounters;
}

/** The server side of a listening transport (Node's `ws-server.ts`). */
export interface Listener {
  /** The address actually listened on, with the real port. */
  readonly bound: string;
  /** Stops accepting and closes the server. */
  close(): Promise<void>;
}

/** How a transport reaches the network: how it dials, and the server it accepts on, if any. */
export interface WsIo {
  readonly dial: WireDialer;
  readonly listener?: Listener;
}

/**
 * The WebSocket transport (see `bindWs`): connections dialed and accepted, the links that carry
 * datagrams, and streams, each on a connection of its own.
 */
export class WsTransportImpl implements WsTransport, PeerLinkOwner {
  readonly scheme: "ws" | "wss" | "ws-client";
  readonly schemes: readonly string[];
  readonly mtu: number;
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
  readonly listening: boolean;
  readonly boundAddress: string | undefined;
  private readonly inbound: AsyncQueue<Datagram>;
  private readonly incomingStreams: AsyncQueue<Stream>;
  /** Every connection, dialed or accepted, in handshake or open. */
  private readonly connections = new Set<WsConnection>();
  /** Peer links by the peer's canonical address; the newest usable one carries datagrams. */
  private readonly routes = new PeerRoutes();
  private readonly streamsBack = new StreamsBack();
  private readonly listener: Listener | undefined;
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
    readonly address: string,
    private readonly io: WsIo,
  ) {
    const listener = io.listener;
    this.listener = listener;
    this.scheme = parseAddress(address).scheme as "ws" | "wss" | "ws-client";
    this.mtu = settings.mtu;
    this.maxFrameBytes = settings.maxFrameBytes;
    this.maxBufferedBytes = settings.maxBufferedBytes;
    this.listening = listener !== undefined;
    this.schemes = this.listening ? ["ws", "wss", "ws-client"] : ["ws", "wss"];
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
    if (settings.keepAliveMs > 0) {
      this.keepAlive = setInterval(() => {
        for (const c of this.connections) c.tick();
      }, settings.keepAliveMs);
      // Node: the keep-alive alone does not hold the process open.
      (this.keepAlive as { unref?: () => void }).unref?.();
    }
  }

  /** Largest message on a stream connection: a frame or a control message. */
  streamMessageLimit(): number {
    return Math.max(this.settings.maxFrameBytes, MAX_CONTROL_CHARS * 4);
  }

  /**
   * Largest message on a peer link, and on an accepted connection until its hello: a datagram
   * or a control message. Datagrams above the mtu but under this are dropped and counted; larger
   * messages close the connection (1009).
   */
  linkMessageLimit(): number {
    return Math.max(this.settings.mtu, MAX_CONTROL_CHARS * 4);
  }

  counters(): WsCounters {
    return { ...this.tally };
  }

  // ── PeerLinkOwner ───────────────────────────────────────────────────────────

  deliver(from: string, data: Uint8Array): void {
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
    this.routes.remove(link);
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
    const link = this.routes.route(address);
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
    this.routes.add(url, link);
    connection
      .dialHandshake(
        { kind: "hello", role: "peer", from: this.address },
        this.settings.handshakeTimeoutMs,
      )
      .then(
        (from) => {
          if (from !== url) this.routes.add(from, link);
          link.opened();
        },
        () => link.failed(),
      );
    return link;
  }

  private openConnection(url: string, role: "peer" | "stream"): WsConnection {
    const limit = role === "peer" ? this.linkMessageLimit() : this.streamMessageLimit();
    const connection = new WsConnection(this.io.dial(url, limit), "out", url, this.hooks);
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
    assertCanDial(this.closing !== undefined, this.connections.size, this.settings.maxConnections);
    const address = this.target(to);
    const timeoutMs = options?.timeoutMs ?? this.settings.handshakeTimeoutMs;
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
    return this.streamsBack.request(this.routes.route(address), address, timeoutMs);
  }

  /**
   * Whether an arriving connection may be accepted: false while closing, or (counted as refused)
   * when `maxConnections` are open.
   */
  admits(): boolean {
    if (this.closed) return false;
    if (this.connections.size < this.settings.maxConnections) return true;
    this.tally.connectionsRefused += 1;
    return false;
  }

  /** True once `close` has been called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Takes an accepted connection (upgrade done) and runs its hello. */
  accept(ws: WireSocket): void {
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
          this.routes.add(hello.from, new PeerLink(connection, this, false));
          return;
        }
        if (hello.token !== undefined) {
          const resolve = this.streamsBack.take(hello.token, hello.from);
          if (resolve === undefined) {
            this.tally.protocolErrors += 1;
            connection.refuse("unknown-token");
            return;
          }
          connection.welcome(this.address);
          resolve(this.stream(connection, hello.from));
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
    endQueues(this.inbound, this.incomingStreams);
    this.streamsBack.rejectAll();
    // Cut every connection at once: the other side's streams see a reset, links just vanish.
    for (const stream of [...this.openStreams]) stream.abort();
    this.openStreams.clear();
    for (const c of [...this.connections]) c.terminate();
    this.routes.clear();
    await this.listener?.close();
  }
}
