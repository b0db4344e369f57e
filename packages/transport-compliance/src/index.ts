export { equalBytes, patternBytes, taggedBytes, tagOf } from "./bytes.js";
export { deliver, yieldToEventLoop } from "./delivery.js";
export { exchangeBothWays } from "./exchange.js";
export {
  bindsIpv6Loopback,
  type ComplianceContext,
  type ComplianceFactory,
  OpenTransports,
} from "./factory.js";
export { datagramsOf, firstDatagram, framesOf, Inbox, streamsOf } from "./inbox.js";
export { runTransportCompliance } from "./run-transport-compliance.js";
export { connect, type StreamPair } from "./stream-cases.js";
export {
  ComplianceTimeoutError,
  expectRejectsTransportError,
  expectThrowsTransportError,
  withTimeout,
} from "./timeouts.js";
