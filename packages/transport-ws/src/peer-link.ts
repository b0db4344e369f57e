import { TransportError } from "@grapevine/transport";
import type { Control } from "./control.js";
import type { ConnectionHandler, WsConnection } from "./ws-connection.js";
import { oversizedFrom } from "./ws-errors.js";

/** What a {@link PeerLink} needs from the transport that owns it. */
export interface PeerLinkOwner {
  /** Largest datagram, in bytes. */
  readonly mtu: number;
  /** Most bytes a connection may hold unsent before datagrams to it are dropped. */
  readonly maxBufferedBytes: number;
  /** A datagram arrived from `from`. */
  deliver(from: string, data: Uint8Array): void;
  /** The peer (a listener) asks this node to open a stream back to it. */
  openStreamBack(link: PeerLink, token: string): void;
  /** A datagram could not be sent (over the buffer bound, connection gone). */
  dropped(count: number): void;
  /** A datagram went out: count it. */
  sent(bytes: number): void;
  /** A received message broke the protocol. */
  protocolError(error: TransportError): void;
  /** The link is gone; forget its routes. */
  linkGone(link: PeerLink): void;
}

/** Datagrams held while a dialed link is still connecting, at most. */
const PENDING_LIMIT = 64;

/**
 * The connection that carries datagrams between this node and one peer, reused for every
 * datagram either way. A dialed link holds a few datagrams while it connects; once open, a
 * datagram is dropped rather than queued when the connection already holds `maxBufferedBytes`
 * unsent (a slow or stalled peer must not make us buffer without bound; datagrams are
 * unreliable anyway). An accepted link is also how replies reach a dial-only peer.
 */
export class PeerLink implements ConnectionHandler {
  private pending: Uint8Array[] | undefined;
  private closed = false;

  /**
   * @param connection the link's connection; `connecting` when its handshake is still running.
   */
  constructor(
    readonly connection: WsConnection,
    private readonly owner: PeerLinkOwner,
    connecting: boolean,
  ) {
    this.pending = connecting ? [] : undefined;
    if (!connecting) connection.adopt(this);
  }

  /** The peer's address (from its hello or welcome); empty while connecting. */
  get remote(): string {
    return this.connection.remote;
  }

  /** True while the link can carry datagrams (or will, once connected). */
  get usable(): boolean {
    return !this.closed;
  }

  /** True once the handshake is done. */
  get open(): boolean {
    return this.pending === undefined && !this.closed;
  }

  /** The dialed link's handshake succeeded: adopt the connection and flush held datagrams. */
  opened(): void {
    const held = this.pending ?? [];
    this.pending = undefined;
    this.connection.adopt(this);
    for (const data of held) this.transmit(data);
  }

  /** The dialed link's handshake failed: drop what was held. */
  failed(): void {
    this.owner.dropped(this.pending?.length ?? 0);
    this.pending = [];
    this.closeLink();
  }

  /** Sends a datagram (or holds a copy while connecting); counts a drop when it cannot. */
  send(data: Uint8Array): void {
    if (this.closed) {
      this.owner.dropped(1);
      return;
    }
    if (this.pending !== undefined) {
      if (this.pending.length >= PENDING_LIMIT) this.owner.dropped(1);
      else this.pending.push(Uint8Array.from(data));
      return;
    }
    this.transmit(data);
  }

  private transmit(data: Uint8Array): void {
    const c = this.connection;
    if (c.bufferedAmount + data.byteLength > this.owner.maxBufferedBytes || !c.sendBinary(data)) {
      this.owner.dropped(1);
      return;
    }
    this.owner.sent(data.byteLength);
  }

  onBinary(data: Uint8Array): void {
    if (data.byteLength > this.owner.mtu) {
      // A datagram above the mtu breaks the contract; drop it, keep the link.
      const mtu = `the mtu is ${this.owner.mtu}`;
      this.owner.protocolError(oversizedFrom(this.remote, "datagram", data.byteLength, mtu));
      return;
    }
    this.owner.deliver(this.remote, data);
  }

  onControl(control: Control): void {
    if (control.kind === "open-stream" && this.connection.direction === "out") {
      this.owner.openStreamBack(this, control.token);
      return;
    }
    this.connection.fail(
      new TransportError("protocol", `unexpected ${control.kind} on a peer link`),
    );
  }

  onClosed(): void {
    this.closeLink();
  }

  private closeLink(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.linkGone(this);
  }
}
