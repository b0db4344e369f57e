import { CodecError, type CodecErrorReason } from "./codec-error.js";
import { type DecodedEnvelope, decodeEnvelope } from "./gen/decode.js";
import { type CodecLimits, resolveLimits } from "./limits.js";
import { DecodeFailure, endRead, startRead } from "./reader.js";

/**
 * Outcome of {@link decode}. On success, `skipped` counts messages of kinds this version does not
 * know (sent by a newer node), which were left out of `envelope.messages`.
 */
export type DecodeResult = DecodedEnvelope | { readonly ok: false; readonly error: CodecError };

/**
 * A decode error describes the input, not the code, so it carries no stack trace: capturing one
 * costs ten times more than the rest of rejecting a packet, and a flood of junk must stay cheap.
 */
function failure(
  reason: CodecErrorReason,
  detail: string,
  field?: string,
  limit?: keyof CodecLimits,
): DecodeResult {
  // V8's Error.stackTraceLimit, typed locally (no Node types needed to typecheck the codec).
  const errorClass = Error as unknown as { stackTraceLimit: number };
  const stackTraceLimit = errorClass.stackTraceLimit;
  errorClass.stackTraceLimit = 0;
  const error = new CodecError(reason, detail, { field, limit });
  errorClass.stackTraceLimit = stackTraceLimit;
  return { ok: false, error };
}

/**
 * Decodes one packet (a datagram or a stream frame). Never throws: every problem comes back as a
 * {@link CodecError} with a typed reason (see {@link CodecErrorReason}), and with the schema field
 * (`error.field`) and limit (`error.limit`) at fault where there is one. Checked in this order:
 * `oversized` (input longer than `limits.maxPacketBytes`), `truncated` (empty, or the envelope
 * ends past the input), `unknown-version`, `limit` on the label, `label-mismatch`, `limit` on
 * the message count, then each message in turn (`malformed`, `limit`).
 *
 * Compatibility (see `proto/grapevine.proto`): unknown fields anywhere are ignored, and a message
 * of an unknown kind is skipped (counted in `skipped`) while the rest of the packet is kept. A
 * singular field that appears twice takes its last value.
 *
 * Memory: every length is checked against the bytes that remain before anything is read or
 * allocated, so a forged length prefix costs nothing; what is allocated is proportional to the
 * input. Byte fields (`meta`, `payload`, `value`) are copies, never views of `bytes`, so the
 * caller may reuse its buffer; empty ones are all the same frozen zero-length array.
 *
 * @param bytes the packet; any `Uint8Array` (a Node `Buffer` too).
 * @param limits overrides of {@link DEFAULT_CODEC_LIMITS}, and the expected cluster label if any.
 */
export function decode(bytes: Uint8Array, limits?: Partial<CodecLimits>): DecodeResult {
  const resolved = resolveLimits(limits);
  if (!(bytes instanceof Uint8Array)) return failure("malformed", "input is not a Uint8Array");
  const n = bytes.length;
  if (n > resolved.maxPacketBytes) {
    return failure(
      "oversized",
      `${n} bytes exceed maxPacketBytes (${resolved.maxPacketBytes})`,
      undefined,
      "maxPacketBytes",
    );
  }
  if (n === 0) return failure("truncated", "empty packet");
  // One representation for the decoder's reads, whatever subclass (Buffer) the caller has.
  startRead(
    bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, n),
    resolved,
  );
  try {
    return decodeEnvelope(n);
  } catch (e) {
    if (e instanceof DecodeFailure) return failure(e.reason, e.detail, e.field, e.limit);
    // Not reachable by construction; the fuzz tests look for this text.
    return failure("malformed", `internal decoder error: ${String(e)}`);
  } finally {
    endRead();
  }
}
