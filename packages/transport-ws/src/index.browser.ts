export { type BrowserWsTransportOptions, bindWs } from "./bind-ws.browser.js";
export type { WebSocketConstructor, WebSocketLike } from "./browser-socket.js";
export type { WsCounters } from "./counters.js";
export { generateClientIdentity } from "./dial-only.js";
export type { WsTransportOptions } from "./ws-options.js";
export type { WsTransport } from "./ws-transport.js";
