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
  ETIMEDOUT: "timeout",
  DEPTH_ZERO_SELF_SIGNED_CERT: "unreachable",
  SELF_SIGNED_CERT_IN_CHAIN: "unreachable",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unreachable",
  ERR_TLS_CERT_ALTNAME_INVALID: "unreachable",
  CERT_HAS_EXPIRED: "unreachable",
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: "protocol",
  WS_ERR_INVALID_UTF8: "protocol",
  WS_ERR_INVALID_OPCODE: "protocol",
};

/**
 * Turns what a socket or `ws` reported into a {@link TransportError}: system and TLS errors by
 * code (`ECONNREFUSED` → `unreachable`, an untrusted certificate → `unreachable`, a message above
 * `maxPayload` → `protocol`), anything else as `fallback`.
 */
export function toTransportError(
  err: unknown,
  what: string,
  fallback: TransportErrorCode,
): TransportError {
  if (err instanceof TransportError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const mapped = typeof code === "string" ? CODES[code] : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  return new TransportError(mapped ?? fallback, `${what}: ${detail}`, { cause: err });
}
