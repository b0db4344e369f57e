import { GrapevineError } from "@grapevine/protocol";

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
export type CodecErrorReason =
  | "truncated"
  | "oversized"
  | "unknown-version"
  | "malformed"
  | "label-mismatch"
  | "limit";

/**
 * The only error the codec produces: returned by `decode`, thrown by the encoders. A
 * `GrapevineError` whose `code` is its {@link CodecErrorReason}.
 */
export class CodecError extends GrapevineError<CodecErrorReason> {
  /** Machine-readable cause, the same as `code`; `message` says more for humans. */
  readonly reason: CodecErrorReason;

  constructor(reason: CodecErrorReason, message: string) {
    super(reason, message);
    this.name = "CodecError";
    this.reason = reason;
  }
}

/** True when `value` is a {@link CodecError}. */
export function isCodecError(value: unknown): value is CodecError {
  return value instanceof CodecError;
}
