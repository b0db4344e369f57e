import { TransportError, type TransportErrorCode } from "./errors.js";

/** Node system errors (errno codes) as transport error codes, the same for every transport. */
export const SYSTEM_ERROR_CODES: Readonly<Record<string, TransportErrorCode>> = {
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

/** The `code` of a Node system error (`ECONNREFUSED`, ...), if it has one. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Turns whatever a socket reported into a {@link TransportError}: system errors by code
 * (`EADDRINUSE` → `address-in-use`, `ECONNREFUSED` → `unreachable`, ...), then `extra` codes a
 * transport adds (TLS, WebSocket), anything else as `fallback`. A TransportError passes through.
 */
export function toTransportError(
  err: unknown,
  what: string,
  fallback: TransportErrorCode,
  extra: Readonly<Record<string, TransportErrorCode>> = {},
): TransportError {
  if (err instanceof TransportError) return err;
  const errno = errnoOf(err);
  const code =
    (errno !== undefined ? (SYSTEM_ERROR_CODES[errno] ?? extra[errno]) : undefined) ?? fallback;
  const detail = err instanceof Error ? err.message : String(err);
  return new TransportError(code, `${what}: ${detail}`, { cause: err });
}
