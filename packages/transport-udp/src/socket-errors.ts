import type { Socket } from "node:net";
import {
  toTransportError as sharedToTransportError,
  type TransportError,
  type TransportErrorCode,
} from "@grapevine/transport";

export { errnoOf } from "@grapevine/transport";

/**
 * Turns whatever a socket emitted into a {@link TransportError} (see the shared mapping in
 * `@grapevine/transport`); anything unknown becomes `fallback` (default `reset`).
 */
export function toTransportError(
  err: unknown,
  what: string,
  fallback: TransportErrorCode = "reset",
): TransportError {
  return sharedToTransportError(err, what, fallback);
}

/**
 * Tears a TCP connection down at once: a reset (RST) when connected, so the peer sees a broken
 * stream rather than a clean end; a plain destroy while still connecting or already gone.
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}
