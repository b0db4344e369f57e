export {
  type Address,
  formatAddress,
  isUnspecifiedHost,
  parseAddress,
  schemeOf,
} from "./address.js";
export { AsyncQueue } from "./async-queue.js";
export { type Clock, systemClock, type TimerHandle } from "./clock.js";
export {
  assertSendable,
  isTransportError,
  refuseWrite,
  TransportError,
  type TransportErrorCode,
} from "./errors.js";
export { FrameInbox, READ_HIGH_WATER_BYTES, type ReadFlow } from "./frame-inbox.js";
export { errnoOf, SYSTEM_ERROR_CODES, toTransportError } from "./system-errors.js";
export type { Datagram, DialOptions, Stream, Transport } from "./transport.js";
