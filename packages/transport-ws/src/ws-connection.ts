import { TransportError } from "@grapevine/transport";
import { type Control, decodeControl, encodeControl, type RefuseReason } from "./control.js";
import type { WireSocket } from "./wire-socket.js";
import { toTransportError } from "./ws-errors.js";

/** What an adopted connection hands to its owner (a peer link or a stream). */
export interface ConnectionHandler {
  /** A binary message: a datagram or a frame. */
  onBinary(data: Uint8Array): void;
  /** A text message, decoded. Handshake messages never reach here. */
  onControl(control: Control): void;
  /** The connection is gone; `error` says why when it was not a clean close by us. */
  onClosed(error: TransportError): void;
}

/** Hooks every connection reports to (the transport's bookkeeping). */
export interface ConnectionHooks {
  /** The peer broke the protocol (bad hello, bad control message, oversized message). */
  onProtocolError(error: TransportError): void;
  /** The connection closed (called once). */
  onGone(connection: WsConnection): void;
  /** The connection stopped answering pings and was closed. */
  onKeepAliveTimeout(): void;
}

/** The WebSocket close code for a protocol violation (RFC 6455 §7.4.1). */
const CLOSE_PROTOCOL = 1002;
/** Policy violation: refused (limit, unknown token). */
const CLOSE_POLICY = 1008;
/** Messages received after the handshake but before an owner adopted the connection, at most. */
const PRE_ADOPT_LIMIT = 256;

type Early = { readonly binary: Uint8Array } | { readonly control: Control };

/**
 * One WebSocket connection of the transport: runs the opening hello / welcome exchange, splits
 * binary payload from text control, answers keep-alive ticks (a connection that missed a pong
 * since the previous tick is dead and is terminated), and reports everything to the owner that
 * adopts it after the handshake. Every `ws` and socket error is caught here.
 */
export class WsConnection {
  /** The peer's address (its hello or welcome), set by the handshake. */
  remote = "";
  private handler: ConnectionHandler | undefined;
  private early: Early[] = [];
  private alive = true;
  private gone = false;
  private closeError: TransportError | undefined;
  private handshake:
    | { resolve: (c: Control) => void; reject: (e: TransportError) => void }
    | undefined;
  private httpStatus: number | undefined;
  private opened: (() => void) | undefined;

  /**
   * @param ws an open (accepted) or opening (dialed) socket.
   * @param direction `out` for a connection this node dialed, `in` for one it accepted.
   * @param url for `out`, the URL dialed (canonical).
   */
  constructor(
    readonly ws: WireSocket,
    readonly direction: "in" | "out",
    readonly url: string,
    private readonly hooks: ConnectionHooks,
  ) {
    ws.listen({
      open: () => this.opened?.(),
      message: (data) => this.onMessage(data),
      alive: () => {
        this.alive = true;
      },
      error: (err) => {
        this.closeError ??= toTransportError(err, `connection ${this.describe()}`, "reset");
        if (this.closeError.code === "protocol") this.hooks.onProtocolError(this.closeError);
      },
      httpStatus: (status) => {
        this.httpStatus = status;
        this.closeError ??= new TransportError(
          status === 503 ? "limit" : "unreachable",
          `${url} answered HTTP ${status} instead of a WebSocket`,
        );
        this.finish();
      },
      close: () => this.finish(),
    });
  }

  /** A short name for messages: the peer's address, or the URL dialed. */
  describe(): string {
    return this.remote || this.url || "(unknown peer)";
  }

  /**
   * Sets the largest message accepted on this connection, in bytes: the transport lowers it on
   * accept and raises it once a hello names a stream. False where the socket has no such knob.
   */
  setMessageLimit(bytes: number): boolean {
    return this.ws.setMessageLimit(bytes);
  }

  /** Bytes accepted by `send` but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** True while messages can be sent. */
  get isOpen(): boolean {
    return this.ws.isOpen && !this.gone;
  }

  /** True when this end accepted the connection (server side: `ws` sends unmasked, uncopied). */
  get accepted(): boolean {
    return this.direction === "in";
  }

  /**
   * Dialer's side: sends `hello` once open and resolves with the acceptor's address from its
   * welcome. Rejects with `unreachable`, `limit`, `timeout`, `reset` or `protocol`.
   */
  dialHandshake(hello: Control & { kind: "hello" }, timeoutMs: number): Promise<string> {
    const sendHello = () => this.sendControl(hello);
    if (this.ws.isOpen) sendHello();
    else this.opened = sendHello;
    return this.awaitHandshake(timeoutMs, "welcome").then((c) => {
      if (c.kind === "refuse") {
        throw new TransportError(
          c.reason === "limit" ? "limit" : "unreachable",
          `${this.url} refused the connection: ${c.reason}`,
        );
      }
      if (c.kind !== "welcome") throw new TransportError("protocol", "expected a welcome");
      this.remote = c.from;
      return c.from;
    });
  }

  /** Acceptor's side: resolves with the dialer's hello. */
  acceptHandshake(timeoutMs: number): Promise<Control & { kind: "hello" }> {
    return this.awaitHandshake(timeoutMs, "hello").then((c) => {
      if (c.kind !== "hello") throw new TransportError("protocol", "expected a hello");
      this.remote = c.from;
      return c;
    });
  }

  private awaitHandshake(timeoutMs: number, what: string): Promise<Control> {
    return new Promise<Control>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(
          new TransportError("timeout", `no ${what} from ${this.describe()} in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.handshake = {
        resolve: (c) => {
          clearTimeout(timer);
          this.handshake = undefined;
          resolve(c);
        },
        reject: (e) => {
          clearTimeout(timer);
          this.handshake = undefined;
          reject(e);
        },
      };
    });
  }

  /** Acceptor: welcomes the dialer, announcing this node's address. */
  welcome(from: string): void {
    this.sendControl({ kind: "welcome", from });
  }

  /** Acceptor: turns the dialer down and closes. */
  refuse(reason: RefuseReason): void {
    this.sendControl({ kind: "refuse", reason });
    this.close(CLOSE_POLICY, reason);
  }

  /**
   * Hands the connection to its owner; messages that arrived since the handshake are replayed
   * to it at once, in order.
   */
  adopt(handler: ConnectionHandler): void {
    this.handler = handler;
    const early = this.early;
    this.early = [];
    for (const m of early) {
      if ("binary" in m) handler.onBinary(m.binary);
      else handler.onControl(m.control);
    }
    if (this.gone) handler.onClosed(this.closedError());
  }

  private onMessage(data: Uint8Array | string): void {
    this.alive = true;
    if (this.gone) return;
    if (typeof data !== "string") {
      if (this.handshake) {
        this.fail(new TransportError("protocol", "payload before the handshake finished"));
        return;
      }
      if (this.handler) this.handler.onBinary(data);
      else this.hold({ binary: data });
      return;
    }
    let control: Control;
    try {
      control = decodeControl(data);
    } catch (err) {
      this.fail(err as TransportError);
      return;
    }
    if (this.handshake) {
      this.handshake.resolve(control);
      return;
    }
    if (control.kind === "hello" || control.kind === "welcome" || control.kind === "refuse") {
      this.fail(new TransportError("protocol", `unexpected ${control.kind} mid-connection`));
      return;
    }
    if (this.handler) this.handler.onControl(control);
    else this.hold({ control });
  }

  private hold(message: Early): void {
    if (this.early.length >= PRE_ADOPT_LIMIT) {
      this.fail(new TransportError("protocol", "too many messages before the owner took over"));
      return;
    }
    this.early.push(message);
  }

  /**
   * Sends a control message; false when the connection is not open. `done` is called once `ws`
   * has handed it to the socket (or with an error).
   */
  sendControl(control: Control, done?: (err?: Error) => void): boolean {
    if (!this.ws.isOpen) return false;
    this.ws.send(encodeControl(control), done);
    return true;
  }

  /**
   * Sends a binary message. `done` is called once `ws` has handed it to the socket (or with an
   * error). The payload is copied when this end would otherwise send the caller's buffer as-is.
   */
  sendBinary(data: Uint8Array, done?: (err?: Error) => void): boolean {
    if (!this.ws.isOpen) return false;
    this.ws.send(data, done);
    return true;
  }

  /** Keep-alive tick: a connection silent since the previous tick is terminated; else ping. */
  tick(): void {
    if (this.gone || !this.ws.isOpen) return;
    // A paused connection (its reader is behind) does not process pongs; it is not dead.
    if (this.ws.isPaused) return;
    if (!this.alive) {
      this.hooks.onKeepAliveTimeout();
      this.fail(new TransportError("timeout", `${this.describe()} stopped answering pings`));
      return;
    }
    // A side that cannot ping (a browser) leaves liveness to the side that can.
    if (this.ws.ping()) this.alive = false;
  }

  /** Breaks the connection for `error` (the owner sees it as the reason). */
  fail(error: TransportError): void {
    this.closeError ??= error;
    if (error.code === "protocol") this.hooks.onProtocolError(error);
    if (this.handshake) this.handshake.reject(error);
    if (error.code === "protocol" && this.ws.isOpen) {
      this.close(CLOSE_PROTOCOL, "protocol error");
      return;
    }
    this.terminate();
  }

  /** Closes with a close frame (code, reason); the connection ends once the peer answers. */
  close(code = 1000, reason = ""): void {
    if (this.ws.isClosed) return;
    this.ws.close(code, reason);
  }

  /** Drops the TCP connection at once, no close frame: the peer sees an abnormal close. */
  terminate(): void {
    this.closeError ??= new TransportError("closed", `connection to ${this.describe()} closed`);
    this.ws.terminate();
  }

  private closedError(): TransportError {
    return (
      this.closeError ??
      new TransportError("reset", `connection to ${this.describe()} closed by the peer`)
    );
  }

  private finish(): void {
    if (this.gone) return;
    this.gone = true;
    const error = this.closedError();
    if (this.handshake) {
      const e =
        this.httpStatus === undefined && this.remote === "" && this.direction === "out"
          ? new TransportError(error.code === "reset" ? "unreachable" : error.code, error.message, {
              cause: error,
            })
          : error;
      this.handshake.reject(e);
    }
    this.handler?.onClosed(error);
    this.hooks.onGone(this);
  }
}
