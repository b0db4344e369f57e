export { bindWs, generateClientIdentity } from "./bind-ws.js";
export type { WsCounters } from "./counters.js";
export type { WsTlsOptions, WsTransportOptions } from "./ws-options.js";
export type { WsTransport } from "./ws-transport.js";
