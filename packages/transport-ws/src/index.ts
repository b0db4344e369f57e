export type { WsCounters } from "./counters.js";
export {
  bindWs,
  generateClientIdentity,
  type WsTlsOptions,
  type WsTransport,
  type WsTransportOptions,
} from "./ws-transport.js";
