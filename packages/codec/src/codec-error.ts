import { GrapevineError } from "@grapevine/protocol";
import type { CodecLimits } from "./limits.js";

/**
 * Why a packet was rejected:
 * - `truncated`: the input ends before the envelope does (including an empty input);
 * - `oversized`: the input is longer than {@link CodecLimits.maxPacketBytes};
 * - `unknown-version`: the envelope's wire version is not {@link WIRE_VERSION} (or is absent);
 * - `malformed`: bad wire data (bad varint, a length running past its enclosing message, a known
 *   field with the wrong wire type, a group), a missing required field (a message with no kind,
 *   an empty member name or owner, an unset or unknown member status), an integer out of range,
 *   or invalid UTF-8 in a string;
 * - `label-mismatch`: the envelope's cluster label is not the one the receiver expects;
 * - `limit`: a count or size over one of the {@link CodecLimits}.
 *
 * The encoder uses `malformed` for values it cannot put on the wire.
 */
export type CodecErrorReason = (typeof CODEC_ERROR_REASONS)[number];

/** Every {@link CodecErrorReason}, in the order above (for the codec's and its users' tests). */
export const CODEC_ERROR_REASONS: readonly [
  "truncated",
  "oversized",
  "unknown-version",
  "malformed",
  "label-mismatch",
  "limit",
] = ["truncated", "oversized", "unknown-version", "malformed", "label-mismatch", "limit"];

/** Where in the schema a {@link CodecError} arose, when it concerns one field or limit. */
export interface CodecErrorDetails {
  /**
   * The field at fault as `Message.field` in the `.proto`'s names with camelCase fields
   * (`"OwnerDelta.entries"`, `"Alive.name"`, `"Envelope.label"`).
   */
  readonly field?: string | undefined;
  /** The {@link CodecLimits} entry that was exceeded (reason `limit` or `oversized`). */
  readonly limit?: keyof CodecLimits | undefined;
}

/**
 * The only error the codec produces: returned by `decode`, thrown by the encoders. A
 * `GrapevineError` whose `code` is its {@link CodecErrorReason}.
 */
export class CodecError extends GrapevineError<CodecErrorReason> {
  /** Machine-readable cause, the same as `code`; `message` says more for humans. */
  readonly reason: CodecErrorReason;
  /** The field at fault, when the error concerns one (see {@link CodecErrorDetails.field}). */
  readonly field: string | undefined;
  /** The limit exceeded, for reasons `limit` and `oversized`. */
  readonly limit: keyof CodecLimits | undefined;

  constructor(reason: CodecErrorReason, message: string, details?: CodecErrorDetails) {
    super(reason, message);
    this.name = "CodecError";
    this.reason = reason;
    this.field = details?.field;
    this.limit = details?.limit;
  }
}

/** True when `value` is a {@link CodecError}. */
export function isCodecError(value: unknown): value is CodecError {
  return value instanceof CodecError;
}
