export * from "./address.js";
export { AsyncQueue, consumerIterator, endQueues } from "./async-queue.js";
export { type Clock, systemClock, type TimerHandle } from "./clock.js";
export {
  assertCanDial,
  assertSendable,
  isTransportError,
  refuseWrite,
  TransportError,
  type TransportErrorCode,
} from "./errors.js";
export { FrameInbox, READ_HIGH_WATER_BYTES, type ReadFlow } from "./frame-inbox.js";
export { type Listenable, listeningPort, whenListening } from "./listening.js";
export { errnoOf, SYSTEM_ERROR_CODES, toTransportError } from "./system-errors.js";
export type { Datagram, DialOptions, Stream, Transport } from "./transport.js";
