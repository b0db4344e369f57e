import {
  toTransportError as sharedToTransportError,
  TransportError,
  type TransportErrorCode,
} from "@grapevine/transport";

/** TLS and WebSocket codes, on top of the shared system error mapping. */
const WS_CODES: Readonly<Record<string, TransportErrorCode>> = {
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
  return sharedToTransportError(err, what, fallback, WS_CODES);
}

/** The `protocol` error for a peer's message over a size limit: `what` of `bytes`, and the limit. */
export function oversizedFrom(
  remote: string,
  what: string,
  bytes: number,
  limit: string,
): TransportError {
  return new TransportError("protocol", `${remote} sent a ${bytes}-byte ${what}; ${limit}`);
}
