/**
 * The protobuf reading primitives that the generated decoders (`gen/decode.ts`) are built from,
 * and the decoder's state. `decode()` is synchronous and never re-entered, so one set of state
 * suffices; it lives in module variables, which the generated code reads through live bindings
 * (`pos`, `lim`) and moves only through these functions.
 *
 * Every read is bounded by `end`, the end of the enclosing message, and checks the bytes that
 * remain before it reads or allocates anything.
 *
 * @internal
 */
import type { CodecErrorReason } from "./codec-error.js";
import { type CodecLimits, DEFAULT_CODEC_LIMITS } from "./limits.js";
import { cachedUtf8, MAX_CACHED_BYTES } from "./string-cache.js";
import { readUtf8 } from "./utf8.js";

/**
 * Thrown inside the decoder and turned into a `CodecError` at its boundary; carries no stack.
 *
 * @internal
 */
export class DecodeFailure {
  constructor(
    readonly reason: CodecErrorReason,
    readonly detail: string,
    readonly field: string | undefined,
    readonly limit: keyof CodecLimits | undefined,
  ) {}
}

/**
 * Stops decoding with `reason`; `field` names the schema field at fault, `limit` the limit.
 *
 * @internal
 */
export function fail(
  reason: CodecErrorReason,
  detail: string,
  field?: string,
  limit?: keyof CodecLimits,
): never {
  throw new DecodeFailure(reason, detail, field, limit);
}

const EMPTY: Uint8Array = new Uint8Array(0);
/**
 * Every empty byte field decodes to this one frozen array: a zero-length `Uint8Array` holds
 * nothing to share, and allocating one costs as much as a large one.
 *
 * @internal
 */
export const NO_BYTES: Uint8Array = Object.freeze(new Uint8Array(0));
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The input being decoded.
 *
 * @internal
 */
export let buf: Uint8Array = EMPTY;
/**
 * Read position in {@link buf}.
 *
 * @internal
 */
export let pos = 0;
/**
 * The limits in force for this packet.
 *
 * @internal
 */
export let lim: CodecLimits = DEFAULT_CODEC_LIMITS;
/** Reason for a read running past its end: the packet is cut short only at the top level. */
let overrun: CodecErrorReason = "truncated";

/**
 * Starts decoding `bytes` (a plain `Uint8Array`) at offset 0 under `limits`.
 *
 * @internal
 */
export function startRead(bytes: Uint8Array, limits: CodecLimits): void {
  buf = bytes;
  pos = 0;
  lim = limits;
  overrun = "truncated";
}

/**
 * Releases the input and the limits.
 *
 * @internal
 */
export function endRead(): void {
  buf = EMPTY;
  pos = 0;
  lim = DEFAULT_CODEC_LIMITS;
}

/**
 * Moves back to `at` (pass 2 of the envelope reads it again from the start).
 *
 * @internal
 */
export function seek(at: number): void {
  pos = at;
}

/**
 * From here on a read that runs past its end is `malformed`: the envelope's framing was checked,
 * so an overrun can only be inside a message.
 *
 * @internal
 */
export function framingChecked(): void {
  overrun = "malformed";
}

/**
 * A varint that must fit a safe integer (uint64 fields read as `number`).
 *
 * @internal
 */
export function readVarint(end: number): number {
  if (pos >= end) fail(overrun, "varint runs past the end");
  let b = buf[pos++]!;
  if (b < 0x80) return b;
  let value = b & 0x7f;
  let scale = 0x80;
  for (let i = 1; i < 10; i++) {
    if (pos >= end) fail(overrun, "varint runs past the end");
    b = buf[pos++]!;
    // Exact while below 2^53; any larger value stays above MAX_SAFE in floating point.
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (value > MAX_SAFE) fail("malformed", "integer above 2^53-1");
      return value;
    }
    scale *= 0x80;
  }
  return fail("malformed", "varint longer than 10 bytes");
}

/**
 * A `uint64` over its full range, as a `bigint`.
 *
 * @internal
 */
export function readUint64(end: number): bigint {
  const start = pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) fail(overrun, "varint runs past the end");
    const b = buf[pos++]!;
    if (i === 9 && b > 1) fail("malformed", "integer above 2^64-1");
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (value <= MAX_SAFE) return BigInt(value);
      let big = 0n;
      let shift = 0n;
      for (let k = start; k < pos; k++) {
        big |= BigInt(buf[k]! & 0x7f) << shift;
        shift += 7n;
      }
      return big;
    }
    scale *= 0x80;
  }
  return fail("malformed", "varint longer than 10 bytes");
}

/**
 * A `uint32`: a varint below 2^32.
 *
 * @internal
 */
export function readUint32(end: number, field: string): number {
  const value = readVarint(end);
  if (value > 0xffffffff) fail("malformed", `${field} above 2^32-1`, field);
  return value;
}

/**
 * A `bool`: any non-zero varint is true, as in every protobuf decoder.
 *
 * @internal
 */
export function readBool(end: number): boolean {
  let set = false;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) fail(overrun, "varint runs past the end");
    const b = buf[pos++]!;
    if ((b & 0x7f) !== 0) set = true;
    if (b < 0x80) return set;
  }
  return fail("malformed", "varint longer than 10 bytes");
}

/**
 * A field tag, `(field number << 3) | wire type`. The caller has checked `pos < end`.
 *
 * @internal
 */
export function readTag(end: number): number {
  const tag = buf[pos]!;
  if (tag < 0x80) {
    pos++;
    if (tag < 8) fail("malformed", "field number 0");
    return tag;
  }
  const long = readVarint(end);
  if (long > 0xffffffff) fail("malformed", "field tag above 2^32-1");
  return long;
}

/**
 * A length prefix, checked against the bytes left before `end`.
 *
 * @internal
 */
export function readLength(end: number): number {
  const len = readVarint(end);
  if (len > end - pos) fail(overrun, "length prefix runs past the end");
  return len;
}

/**
 * Moves past `len` bytes that {@link readLength} has vouched for.
 *
 * @internal
 */
export function skip(len: number): void {
  pos += len;
}

/**
 * Skips a field the message does not know. A field it does know (`known`: its field numbers as
 * a bit mask, bit n for field n, fields 1-30) arriving with another wire type is malformed, as is
 * a group or an undefined wire type.
 *
 * @internal
 */
export function skipField(tag: number, end: number, known: number): void {
  const field = tag >>> 3;
  const wireType = tag & 7;
  if (field < 31 && (known >>> field) & 1)
    fail("malformed", `field ${field} has wire type ${wireType}`);
  switch (wireType) {
    case 0:
      readBool(end);
      return;
    case 1:
      if (end - pos < 8) fail(overrun, "fixed64 runs past the end");
      pos += 8;
      return;
    case 2: {
      // Not `pos += readLength(end)`: that would add to the value of pos before the read.
      const len = readLength(end);
      pos += len;
      return;
    }
    case 5:
      if (end - pos < 4) fail(overrun, "fixed32 runs past the end");
      pos += 4;
      return;
    default:
      fail("malformed", `field ${field} has wire type ${wireType}`);
  }
}

/** The numeric limits: every one but `label`. */
export type NumericLimit = Exclude<keyof CodecLimits, "label">;

/** `len`, a length of `field` at most the limit `limit` in bytes; over it, a `limit` error. */
function within(len: number, field: string, limit: NumericLimit): number {
  const max = lim[limit];
  if (len > max) fail("limit", `${field} of ${len} bytes exceeds ${limit} (${max})`, field, limit);
  return len;
}

/**
 * A `string` of at most `lim[limit]` UTF-8 bytes; invalid UTF-8 is malformed. (Limits are named,
 * not passed by value: one argument less at each of the generated decoder's calls.)
 *
 * @internal
 */
export function readString(end: number, field: string, limit: NumericLimit): string {
  const len = within(readLength(end), field, limit);
  const start = pos;
  pos += len;
  const s = len <= MAX_CACHED_BYTES ? cachedUtf8(buf, start, len) : readUtf8(buf, start, pos);
  if (s === undefined) fail("malformed", `${field} is not valid UTF-8`, field);
  return s;
}

/**
 * A `bytes` field of at most `lim[limit]` bytes, copied out of the input.
 *
 * @internal
 */
export function readBytes(end: number, field: string, limit: NumericLimit): Uint8Array {
  const len = within(readLength(end), field, limit);
  if (len === 0) return NO_BYTES;
  const start = pos;
  pos += len;
  return buf.slice(start, pos);
}

/**
 * Fails with `limit` for a repeated field (or a count over a message) above `lim[limit]` elements.
 *
 * @internal
 */
export function tooMany(field: string, limit: NumericLimit): never {
  return fail("limit", `${field}: more than ${lim[limit]} (${limit})`, field, limit);
}

/**
 * Fails with `malformed` for a required field that is absent or empty.
 *
 * @internal
 */
export function missing(field: string): never {
  return fail("malformed", `${field} is missing`, field);
}

/**
 * The string at `[start, end)` (found earlier), checked against `lim[limit]` bytes and for UTF-8.
 *
 * @internal
 */
export function readStringAt(
  start: number,
  end: number,
  field: string,
  limit: NumericLimit,
): string {
  within(end - start, field, limit);
  const s = readUtf8(buf, start, end);
  if (s === undefined) fail("malformed", `${field} is not valid UTF-8`, field);
  return s;
}
