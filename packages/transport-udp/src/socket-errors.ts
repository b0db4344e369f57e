import type { Socket } from "node:net";
import { TransportError, type TransportErrorCode } from "@grapevine/transport";

const CODES: Readonly<Record<string, TransportErrorCode>> = {
  EADDRINUSE: "address-in-use",
  EACCES: "access-denied",
  EPERM: "access-denied",
  EADDRNOTAVAIL: "invalid-address",
  ECONNREFUSED: "unreachable",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  EHOSTDOWN: "unreachable",
  ENETDOWN: "unreachable",
  ENOTFOUND: "unreachable",
  EAI_AGAIN: "unreachable",
  ECONNRESET: "reset",
  ECONNABORTED: "reset",
  EPIPE: "reset",
  ERR_STREAM_DESTROYED: "reset",
  ETIMEDOUT: "timeout",
};

/** The errno code of a Node system error (`ECONNREFUSED`, ...), if it has one. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Turns whatever a socket emitted into a {@link TransportError}: system errors by errno
 * (`EADDRINUSE` → `address-in-use`, `ECONNREFUSED` → `unreachable`, ...), anything unknown as
 * `fallback`. A TransportError passes through unchanged.
 */
export function toTransportError(
  err: unknown,
  what: string,
  fallback: TransportErrorCode = "reset",
): TransportError {
  if (err instanceof TransportError) return err;
  const errno = errnoOf(err);
  const code = (errno !== undefined ? CODES[errno] : undefined) ?? fallback;
  const detail = err instanceof Error ? err.message : String(err);
  return new TransportError(code, `${what}: ${detail}`, { cause: err });
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
