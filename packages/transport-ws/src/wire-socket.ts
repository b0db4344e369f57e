/** What a {@link WireSocket} reports; set once with {@link WireSocket.listen}. */
export interface WireSocketEvents {
  /** The opening handshake finished: messages can be sent. */
  open(): void;
  /** A message: `Uint8Array` for a binary one, `string` for a text one. */
  message(data: Uint8Array | string): void;
  /** A ping or pong from the peer: the connection is alive. */
  alive(): void;
  /** Something failed; `close` follows. */
  error(err: unknown): void;
  /** The dialed URL answered plain HTTP with this status instead of upgrading (Node only). */
  httpStatus(status: number): void;
  /** The connection is gone (called once). */
  close(): void;
}

/**
 * One WebSocket as the transport uses it, whatever implements it: the `ws` package in Node
 * (`node-socket.ts`) or the platform's global `WebSocket` in browsers (`browser-socket.ts`). The
 * transport's connection logic (handshake, control messages, streams) is written once on top.
 */
export interface WireSocket {
  /** True while messages can be sent. */
  readonly isOpen: boolean;
  /** True once the connection is fully closed. */
  readonly isClosed: boolean;
  /** Bytes accepted by `send` but not yet handed to the network. */
  readonly bufferedAmount: number;
  /** True while reading is paused for flow control. */
  readonly isPaused: boolean;
  /** Sets the event sink. */
  listen(events: WireSocketEvents): void;
  /**
   * Sends a text or binary message; `done` is called once it has been handed to the network (or
   * with an error). The caller may reuse `data` as soon as this returns.
   */
  send(data: Uint8Array | string, done?: (err?: Error) => void): void;
  /** Sends a ping; false where this side cannot (browsers answer pings but never send them). */
  ping(): boolean;
  /** Stops reading, so TCP pushes back on the peer (no-op where the platform cannot). */
  pause(): void;
  /** Reads again after {@link WireSocket.pause}. */
  resume(): void;
  /** Starts a clean close with a close frame. */
  close(code: number, reason: string): void;
  /** Drops the connection at once. */
  terminate(): void;
  /** Lowers or raises the largest message accepted; false where the platform has no such knob. */
  setMessageLimit(bytes: number): boolean;
}

/** Opens a {@link WireSocket} to `url` (the dialing side). */
export type WireDialer = (url: string, maxPayload: number) => WireSocket;

/** Fresh random hex: one-time stream tokens and dial-only identities (Web Crypto, in Node too). */
export function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buf);
  let out = "";
  for (const b of buf) out += b.toString(16).padStart(2, "0");
  return out;
}
