import { TransportError } from "@grapevine/transport";
import { browserDialer, type WebSocketConstructor } from "./browser-socket.js";
import { dialOnly } from "./dial-only.js";
import { resolveSettings, type WsTransportOptions } from "./ws-options.js";
import type { WsTransport } from "./ws-transport.js";

/** Options for the browser's `bindWs`: a dial-only node on the standard `WebSocket`. */
export interface BrowserWsTransportOptions
  extends Omit<WsTransportOptions, "listen" | "tls" | "keepAliveMs"> {
  /** The `WebSocket` constructor (default: the global one). */
  readonly WebSocket?: WebSocketConstructor;
}

/**
 * Binds a dial-only WebSocket transport on the platform's `WebSocket` (a browser tab, a worker,
 * or any runtime with the WHATWG API). Its address is a `ws-client://<id>` identity; it dials
 * `ws://` and `wss://` members (TLS is the browser's: its trust store, no client certificates)
 * and is reached back only over the connections it opened. Rejects with `TransportError`
 * `invalid-address` for `listen` or a bad `advertise`; throws `RangeError` for out-of-range
 * numeric options.
 */
export async function bindWs(options: BrowserWsTransportOptions = {}): Promise<WsTransport> {
  if ((options as { listen?: unknown }).listen !== undefined) {
    throw new TransportError(
      "invalid-address",
      "a browser cannot accept connections: bind without `listen` (a dial-only node)",
    );
  }
  // Browsers answer pings but cannot send them: the listening side keeps the connection honest.
  const settings = resolveSettings({ ...options, keepAliveMs: 0 });
  const { WebSocket: Ctor, ...rest } = options;
  return dialOnly(rest, settings, browserDialer(Ctor));
}
