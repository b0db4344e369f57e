import type { WireDialer, WireSocket, WireSocketEvents } from "./wire-socket.js";

/** The part of the WHATWG `WebSocket` the transport uses (browsers, Deno, Node 22's global). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
}

/** A `WebSocket` constructor as the WHATWG standard defines it. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;
const CLOSED = 3;
/** How often a send waiting to be handed to the network checks `bufferedAmount`, ms. */
const DRAIN_POLL_MS = 20;

/**
 * A {@link WireSocket} on a standard `WebSocket`. Browsers answer pings on their own but cannot
 * send them, pause reading, or limit message sizes: `ping`, `pause` and `setMessageLimit` do
 * nothing here (the connection's owner checks sizes itself), and a send is reported done once
 * `bufferedAmount` has drained, as the standard API has no per-message callback.
 */
export class BrowserSocket implements WireSocket {
  private events: WireSocketEvents | undefined;
  private gone = false;
  private readonly ws: WebSocketLike;

  constructor(url: string, Ctor: WebSocketConstructor) {
    this.ws = new Ctor(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.addEventListener("open", () => this.events?.open());
    this.ws.addEventListener("message", (e) => {
      const data = e.data;
      if (typeof data === "string") this.events?.message(data);
      else if (data instanceof ArrayBuffer) this.events?.message(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) {
        this.events?.message(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
    });
    this.ws.addEventListener("error", () => this.events?.error(new Error("WebSocket error")));
    this.ws.addEventListener("close", () => this.finish());
  }

  get isOpen(): boolean {
    return this.ws.readyState === OPEN && !this.gone;
  }

  get isClosed(): boolean {
    return this.ws.readyState === CLOSED || this.gone;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isPaused(): boolean {
    return false;
  }

  listen(events: WireSocketEvents): void {
    this.events = events;
  }

  send(data: Uint8Array | string, done?: (err?: Error) => void): void {
    try {
      this.ws.send(data);
    } catch (err) {
      done?.(err as Error);
      return;
    }
    if (done !== undefined) this.whenDrained(done);
  }

  private whenDrained(done: (err?: Error) => void): void {
    if (this.isClosed) done(new Error("connection closed"));
    else if (this.ws.bufferedAmount === 0) queueMicrotask(() => done());
    else setTimeout(() => this.whenDrained(done), DRAIN_POLL_MS);
  }

  ping(): boolean {
    return false;
  }

  pause(): void {}

  resume(): void {}

  close(code: number, reason: string): void {
    try {
      this.ws.close(code, reason);
    } catch {
      this.terminate();
    }
  }

  terminate(): void {
    // The standard API has no abortive close: a close frame, and the socket is ours no longer.
    if (!this.gone && this.ws.readyState !== CLOSED) {
      try {
        this.ws.close(1000);
      } catch {
        // Already closing.
      }
    }
    this.finish();
  }

  private finish(): void {
    if (this.gone) return;
    this.gone = true;
    this.events?.close();
  }

  setMessageLimit(): boolean {
    return false;
  }
}

/**
 * A dialer on the global `WebSocket` (or `Ctor`, for tests and other runtimes). Throws
 * `TypeError` when there is none.
 */
export function browserDialer(Ctor?: WebSocketConstructor): WireDialer {
  const C =
    Ctor ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? missingWebSocket();
  return (url) => new BrowserSocket(url, C);
}

function missingWebSocket(): never {
  throw new TypeError("no global WebSocket here: pass a WebSocket constructor");
}
