import type { ClientRequest, IncomingMessage } from "node:http";
import WebSocket from "ws";
import type { WireDialer, WireSocket, WireSocketEvents } from "./wire-socket.js";
import type { WsTlsOptions } from "./ws-options.js";

/** A {@link WireSocket} on the `ws` package: Node's side, dialed or accepted. */
export class NodeSocket implements WireSocket {
  constructor(
    readonly ws: WebSocket,
    /** True for an accepted connection: `ws` then sends the caller's buffer as-is, unmasked. */
    private readonly accepted: boolean,
  ) {
    ws.binaryType = "nodebuffer";
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get isClosed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isPaused(): boolean {
    return this.ws.isPaused;
  }

  listen(events: WireSocketEvents): void {
    const ws = this.ws;
    ws.on("open", () => events.open());
    ws.on("message", (data: Buffer, isBinary) => {
      events.message(isBinary ? data : data.toString("utf8"));
    });
    ws.on("pong", () => events.alive());
    ws.on("ping", () => events.alive());
    ws.on("error", (err) => events.error(err));
    ws.on("unexpected-response", (req: ClientRequest, res: IncomingMessage) => {
      res.resume();
      req.destroy();
      events.httpStatus(res.statusCode ?? 0);
    });
    ws.on("close", () => events.close());
  }

  send(data: Uint8Array | string, done?: (err?: Error) => void): void {
    if (typeof data === "string") {
      this.ws.send(data, done);
      return;
    }
    // The accepting side sends unmasked frames straight from the given buffer; copy so the
    // caller may reuse it. The dialing side masks into a fresh buffer anyway.
    this.ws.send(this.accepted ? Buffer.from(data) : data, { binary: true }, done);
  }

  ping(): boolean {
    this.ws.ping();
    return true;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(code: number, reason: string): void {
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    // A peer that never answers the close frame is cut off by `ws` itself after 30 s.
  }

  terminate(): void {
    this.ws.terminate();
  }

  /**
   * `ws` takes `maxPayload` once per server, so an accepted connection would otherwise be allowed
   * a whole stream frame before it has said who it is. This uses `ws`'s receiver field
   * (`_maxPayload`, ws 8); false, leaving the server-wide limit, when a future `ws` lacks it.
   */
  setMessageLimit(bytes: number): boolean {
    const receiver = (this.ws as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
    if (receiver === undefined || typeof receiver._maxPayload !== "number") return false;
    receiver._maxPayload = bytes;
    return true;
  }
}

/** Dials with `ws`: TLS material for `wss://`, no compression, no redirects. */
export function nodeDialer(tls: WsTlsOptions | undefined, handshakeTimeoutMs: number): WireDialer {
  return (url, maxPayload) => {
    const ws = new WebSocket(url, {
      maxPayload,
      perMessageDeflate: false,
      handshakeTimeout: handshakeTimeoutMs,
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
    return new NodeSocket(ws, false);
  };
}
