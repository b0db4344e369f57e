/**
 * The protobuf writing primitives that the generated encoders (`gen/encode.ts`) are built from,
 * and the encoder's state, so that a packet is built in one exactly-sized buffer with no
 * intermediate objects.
 *
 * Encoding is two passes over each message. Sizing (`s…` functions) walks the message in field
 * order and pushes, in pre-order, the length of every nested message and every non-empty string
 * onto a stack; writing (`w…` functions) walks it again in the same order and replays the stack
 * for each length prefix, so no string is measured twice and no buffer is resized. Callers
 * remember the stack position at which a message's sizes start (its mark), so `pack` can write
 * messages into packets in any order after sizing them all once.
 *
 * Proto3 implicit presence: zero numbers, `false`, empty strings and empty bytes are omitted;
 * elements of repeated fields are always written.
 *
 * @internal
 */
import { CodecError } from "./codec-error.js";
import { utf8Length, writeUtf8 } from "./utf8.js";

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
const UINT32_MASK = 0xffffffffn;

/**
 * Throws the encoder's one error: a value that cannot be put on the wire.
 *
 * @internal
 */
export function unencodable(what: string, field?: string): never {
  throw new CodecError("malformed", `cannot encode ${what}`, { field });
}

// ---------------------------------------------------------------------------------------------
// Sizing

const stack: number[] = [];
let top = 0;

/** Stack entries kept between calls; a larger stack (from a huge push-pull) is released. */
const RETAINED_STACK = 1 << 16;

/**
 * Forgets all sizes recorded so far; the next message sized gets mark 0.
 *
 * @internal
 */
export function resetSizes(): void {
  top = 0;
  if (stack.length > RETAINED_STACK) stack.length = 0;
}

/**
 * Stack position at which the next message records its sizes.
 *
 * @internal
 */
export function sizeMark(): number {
  return top;
}

/**
 * Reserves a stack slot for a length known only after its contents are sized.
 *
 * @internal
 */
export function reserve(): number {
  return top++;
}

/**
 * Fills a slot from {@link reserve}.
 *
 * @internal
 */
export function setSize(slot: number, len: number): void {
  stack[slot] = len;
}

/**
 * Bytes of the protobuf varint holding `n`, a non-negative safe integer (1..8). Other numbers are
 * not encoded as varints by this codec; callers sizing arbitrary input check the range first.
 */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  if (n < 0x800000000) return 5;
  if (n < 0x40000000000) return 6;
  if (n < 0x2000000000000) return 7;
  return 8;
}

function bigVarintSize(b: bigint): number {
  if (b <= MAX_SAFE_BIGINT) return varintSize(Number(b));
  if (b < 1n << 56n) return 8;
  if (b < 1n << 63n) return 9;
  return 10;
}

/**
 * A `string` field; omitted when empty.
 *
 * @internal
 */
export function sString(tagBytes: number, s: string): number {
  if (s.length === 0) return 0;
  const len = utf8Length(s);
  stack[top++] = len;
  return tagBytes + varintSize(len) + len;
}

/**
 * A required `string` field: never empty.
 *
 * @internal
 */
export function sRequired(tagBytes: number, s: string, field: string): number {
  if (s.length === 0) unencodable(`${field}: empty`, field);
  return sString(tagBytes, s);
}

/**
 * A `repeated string` field: every element is written, empty ones too.
 *
 * @internal
 */
export function sStrings(tagBytes: number, list: readonly string[]): number {
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    const len = s.length === 0 ? 0 : utf8Length(s);
    stack[top++] = len;
    total += tagBytes + varintSize(len) + len;
  }
  return total;
}

/**
 * A `bytes` field; omitted when empty.
 *
 * @internal
 */
export function sBytes(tagBytes: number, b: Uint8Array): number {
  const len = b.length;
  return len === 0 ? 0 : tagBytes + varintSize(len) + len;
}

/**
 * A `repeated bytes` field.
 *
 * @internal
 */
export function sBytesList(tagBytes: number, list: readonly Uint8Array[]): number {
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const len = list[i]!.length;
    total += tagBytes + varintSize(len) + len;
  }
  return total;
}

/**
 * A `uint64` field read as a `number`: a safe integer, omitted when 0.
 *
 * @internal
 */
export function sUint(tagBytes: number, n: number, field: string): number {
  if (n === 0) return 0;
  if (!Number.isSafeInteger(n) || n < 0) {
    unencodable(`${field} = ${String(n)}: not an integer in [0, 2^53-1]`, field);
  }
  return tagBytes + varintSize(n);
}

/**
 * A `uint32` field, omitted when 0.
 *
 * @internal
 */
export function sUint32(tagBytes: number, n: number, field: string): number {
  if (n === 0) return 0;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    unencodable(`${field} = ${String(n)}: not an integer in [0, 2^32-1]`, field);
  }
  return tagBytes + varintSize(n);
}

/**
 * A `uint64` field over its full range, as a `bigint`; omitted when 0.
 *
 * @internal
 */
export function sBigUint(tagBytes: number, b: bigint, field: string): number {
  if (b === 0n) return 0;
  if (typeof b !== "bigint" || b < 0n || b > MAX_UINT64) {
    unencodable(`${field} = ${String(b)}: not a bigint in [0, 2^64-1]`, field);
  }
  return tagBytes + bigVarintSize(b);
}

/**
 * A `bool` field; omitted when false.
 *
 * @internal
 */
export function sBool(tagBytes: number, b: boolean): number {
  return b ? tagBytes + 1 : 0;
}

/**
 * An enum field whose wire value is `value` (`undefined`: the string is not a member of the
 * enum). Never 0, so always written.
 *
 * @internal
 */
export function sEnum(
  tagBytes: number,
  value: number | undefined,
  what: string,
  field: string,
): number {
  if (value === undefined) unencodable(`${field} ${JSON.stringify(what)}`, field);
  return tagBytes + varintSize(value);
}

/**
 * A nested message of `len` bytes.
 *
 * @internal
 */
export function sNested(tagBytes: number, len: number): number {
  return tagBytes + varintSize(len) + len;
}

// ---------------------------------------------------------------------------------------------
// Writing

const NO_BUFFER = new Uint8Array(0);
let buf: Uint8Array = NO_BUFFER;
let pos = 0;
let cur = 0;

/**
 * Starts writing into `out` at offset 0.
 *
 * @internal
 */
export function startWrite(out: Uint8Array): void {
  buf = out;
  pos = 0;
}

/**
 * Returns the number of bytes written since {@link startWrite} and releases the buffer.
 *
 * @internal
 */
export function endWrite(): number {
  const written = pos;
  buf = NO_BUFFER;
  pos = 0;
  return written;
}

/**
 * Replays sizes from `mark`, as recorded when the message was sized.
 *
 * @internal
 */
export function replayFrom(mark: number): void {
  cur = mark;
}

/**
 * The replay position: just past the sizes consumed so far.
 *
 * @internal
 */
export function replayMark(): number {
  return cur;
}

/**
 * The next recorded size.
 *
 * @internal
 */
export function nextSize(): number {
  return stack[cur++]!;
}

/**
 * Writes a varint; `n` is a non-negative safe integer.
 *
 * @internal
 */
export function wVarint(n: number): void {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = n > 0xffffffff ? Math.floor(n / 128) : n >>> 7;
  }
  buf[pos++] = n;
}

function wBigVarint(b: bigint): void {
  if (b <= MAX_SAFE_BIGINT) {
    wVarint(Number(b));
    return;
  }
  let lo = Number(b & UINT32_MASK);
  let hi = Number(b >> 32n);
  while (hi > 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
}

/**
 * Writes a field tag.
 *
 * @internal
 */
export function wTag(tag: number): void {
  if (tag < 0x80) buf[pos++] = tag;
  else wVarint(tag);
}

/**
 * Writes a non-empty string's field, replaying its recorded length.
 *
 * @internal
 */
export function wString(tag: number, s: string): void {
  if (s.length === 0) return;
  const len = stack[cur++]!;
  wTag(tag);
  wVarint(len);
  writeUtf8(buf, pos, s, len);
  pos += len;
}

/**
 * Writes every element of a repeated string field.
 *
 * @internal
 */
export function wStrings(tag: number, list: readonly string[]): void {
  for (let i = 0; i < list.length; i++) {
    const len = stack[cur++]!;
    wTag(tag);
    wVarint(len);
    if (len !== 0) writeUtf8(buf, pos, list[i]!, len);
    pos += len;
  }
}

function copyBytes(b: Uint8Array): void {
  const len = b.length;
  if (len < 16) {
    for (let i = 0; i < len; i++) buf[pos + i] = b[i]!;
  } else {
    buf.set(b, pos);
  }
  pos += len;
}

/**
 * Writes a non-empty bytes field.
 *
 * @internal
 */
export function wBytes(tag: number, b: Uint8Array): void {
  if (b.length === 0) return;
  wTag(tag);
  wVarint(b.length);
  copyBytes(b);
}

/**
 * Writes every element of a repeated bytes field.
 *
 * @internal
 */
export function wBytesList(tag: number, list: readonly Uint8Array[]): void {
  for (let i = 0; i < list.length; i++) {
    const b = list[i]!;
    wTag(tag);
    wVarint(b.length);
    copyBytes(b);
  }
}

/**
 * Writes a non-zero integer field.
 *
 * @internal
 */
export function wUint(tag: number, n: number): void {
  if (n === 0) return;
  wTag(tag);
  wVarint(n);
}

/**
 * Writes a non-zero `bigint` field.
 *
 * @internal
 */
export function wBigUint(tag: number, b: bigint): void {
  if (b === 0n) return;
  wTag(tag);
  wBigVarint(b);
}

/**
 * Writes a true bool field.
 *
 * @internal
 */
export function wBool(tag: number, b: boolean): void {
  if (!b) return;
  wTag(tag);
  buf[pos++] = 1;
}

/**
 * Writes an enum field (its value was checked when sizing).
 *
 * @internal
 */
export function wEnum(tag: number, value: number): void {
  wTag(tag);
  wVarint(value);
}

/**
 * Writes a nested message's tag and recorded length; its fields follow.
 *
 * @internal
 */
export function wNested(tag: number): void {
  wTag(tag);
  wVarint(stack[cur++]!);
}

/**
 * Writes `len` as a length prefix after `tag` (a length computed, not recorded).
 *
 * @internal
 */
export function wLength(tag: number, len: number): void {
  wTag(tag);
  wVarint(len);
}

/**
 * Writes a string field whose length the caller measured (the envelope's label).
 *
 * @internal
 */
export function wMeasuredString(tag: number, s: string, len: number): void {
  wTag(tag);
  wVarint(len);
  writeUtf8(buf, pos, s, len);
  pos += len;
}
