import { DEFAULT_LIMITS } from "@grapevine/codec";
import { utf8Length } from "@grapevine/state";

/** What a size limit applies to. */
export type LimitedField =
  | "name"
  | "tags"
  | "meta"
  | "key"
  | "value"
  | "query"
  | "query-name"
  | "query-response";

/**
 * Input over a size limit: names the field, the limit and the actual size (bytes). Nothing was
 * changed. `code` is `too-large` for every one, so an API can map it to one answer (HTTP 413).
 */
export class LimitError extends RangeError {
  override readonly name = "LimitError";
  readonly code = "too-large";

  constructor(
    readonly field: LimitedField,
    readonly limit: number,
    readonly actual: number,
  ) {
    super(`${field} is ${actual} bytes, over the limit of ${limit} bytes`);
  }
}

/** The sizes a member accepts for its own input, bytes. */
export interface InputLimits {
  /** Member name, UTF-8 (what the codec carries). */
  readonly maxNameBytes: number;
  /** Advertised metadata (tags are encoded into it). */
  readonly maxMetaBytes: number;
  /** State key, UTF-8. */
  readonly maxKeyBytes: number;
  /** State value. */
  readonly maxValueBytes: number;
}

/**
 * Defaults: the codec's limits for names and metadata (larger ones could never be sent) and the
 * state store's for keys and values (a value must fit a datagram with room for its neighbours).
 */
export const DEFAULT_INPUT_LIMITS: InputLimits = Object.freeze({
  maxNameBytes: 128,
  maxMetaBytes: DEFAULT_LIMITS.maxMetaBytes,
  maxKeyBytes: 256,
  maxValueBytes: 1024,
});

/** Throws a {@link LimitError} when `actual` bytes of `field` exceed `limit`. */
export function checkSize(field: LimitedField, actual: number, limit: number): void {
  if (actual > limit) throw new LimitError(field, limit, actual);
}

/** Throws a {@link LimitError} when a string's UTF-8 exceeds `limit` bytes. */
export function checkText(field: LimitedField, text: string, limit: number): void {
  // A string has at least as many UTF-8 bytes as UTF-16 code units: a huge one fails at once.
  if (text.length > limit) throw new LimitError(field, limit, utf8Length(text));
  checkSize(field, utf8Length(text), limit);
}

/**
 * The limits of a member from its options (keys and values may be configured), after checking its
 * own name and initial metadata against them.
 */
export function inputLimits(options: {
  readonly name: string;
  readonly meta: Uint8Array;
  readonly maxKeyBytes?: number | undefined;
  readonly maxValueBytes?: number | undefined;
  readonly maxMetaBytes?: number | undefined;
}): InputLimits {
  const limits: InputLimits = {
    ...DEFAULT_INPUT_LIMITS,
    maxKeyBytes: options.maxKeyBytes ?? DEFAULT_INPUT_LIMITS.maxKeyBytes,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_INPUT_LIMITS.maxValueBytes,
    maxMetaBytes: Math.min(
      options.maxMetaBytes ?? DEFAULT_INPUT_LIMITS.maxMetaBytes,
      DEFAULT_INPUT_LIMITS.maxMetaBytes,
    ),
  };
  checkText("name", options.name, limits.maxNameBytes);
  checkSize("meta", options.meta.byteLength, limits.maxMetaBytes);
  return limits;
}
