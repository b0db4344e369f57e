export type { BrowserWsTransportOptions } from "./bind-ws.browser.js";
export { bindWs, generateClientIdentity } from "./bind-ws.js";
export type { WebSocketConstructor, WebSocketLike } from "./browser-socket.js";
export type { WsCounters } from "./counters.js";
export type { WsTlsOptions, WsTransportOptions } from "./ws-options.js";
export type { WsTransport } from "./ws-transport.js";
