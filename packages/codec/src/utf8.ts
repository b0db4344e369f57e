/**
 * UTF-8 for protobuf `string` fields. The encoder sends a lone UTF-16 surrogate as U+FFFD (three
 * bytes), as `TextEncoder` does; the decoder rejects invalid UTF-8 instead of replacing it, so a
 * string either arrives exactly or the packet is `malformed`.
 *
 * @internal
 */

// TextEncoder and TextDecoder are reached through `globalThis` with local types, so that the
// codec typechecks under configurations that load neither DOM nor Node types (the sans-IO
// packages import its message types).
interface Utf8Codecs {
  TextEncoder: new () => {
    encode(text: string): Uint8Array;
    encodeInto(text: string, into: Uint8Array): { read: number; written: number };
  };
  TextDecoder: new (
    label: string,
    options: { fatal: boolean; ignoreBOM: boolean },
  ) => { decode(bytes: Uint8Array): string };
}
const codecs = globalThis as unknown as Utf8Codecs;
const encoder = new codecs.TextEncoder();
// `ignoreBOM` keeps a leading U+FEFF: it is part of the string, not a byte-order mark.
const fatalDecoder = new codecs.TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
type StringWrite = (this: Uint8Array, s: string, offset: number, length: number) => number;
interface NodeBuffer {
  byteLength?: (s: string, encoding: "utf8") => number;
  prototype?: {
    latin1Slice?: Latin1Slice;
    utf8Slice?: Latin1Slice;
    latin1Write?: StringWrite;
    utf8Write?: StringWrite;
  };
}
// Node's native string routines beat any JavaScript loop on all but the shortest strings (they
// work on any Uint8Array, not only Buffers). Elsewhere the portable paths below are used.
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const latin1Slice = nodeBuffer?.prototype?.latin1Slice;
const utf8Slice = nodeBuffer?.prototype?.utf8Slice;
const latin1Write = nodeBuffer?.prototype?.latin1Write;
const utf8Write = nodeBuffer?.prototype?.utf8Write;
const nativeByteLength = nodeBuffer?.byteLength;

/** Strings at least this long are measured and written by the native routines when present. */
const NATIVE_ENCODE_MIN = 16;

/**
 * Decoding strategy. ASCII strings under this many bytes are checked by a JavaScript loop and
 * sliced natively. Longer or non-ASCII ones go to Node's native UTF-8 slice, which replaces invalid sequences with
 * U+FFFD: when the result holds no U+FFFD the input was valid, and only when it does (invalid
 * input, or a real U+FFFD) does the validating `TextDecoder` decide. Without Node's routines,
 * `TextDecoder` does the rest; its fixed cost (about 100 ns a call) makes a JavaScript loop
 * cheaper for short ASCII strings.
 */
const JS_SCAN_MAX = 16;

/** Number of bytes `s` takes in UTF-8 (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n >= NATIVE_ENCODE_MIN && nativeByteLength !== undefined) return nativeByteLength(s, "utf8");
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      len += 1;
    } else if ((c & 0xfc00) === 0xd800 && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two UTF-16 units, four bytes.
      i++;
      len += 2;
    } else {
      len += 2;
    }
  }
  return len;
}

/**
 * Writes `s` at `buf[pos]`; `byteLength` must be `utf8Length(s)`. When it equals `s.length`
 * every unit is ASCII and a plain copy loop suffices.
 *
 * @internal
 */
export function writeUtf8(buf: Uint8Array, pos: number, s: string, byteLength: number): void {
  const n = s.length;
  if (n >= NATIVE_ENCODE_MIN && latin1Write !== undefined && utf8Write !== undefined) {
    if (byteLength === n) latin1Write.call(buf, s, pos, n);
    else utf8Write.call(buf, s, pos, byteLength);
    return;
  }
  if (byteLength === n) {
    for (let i = 0; i < n; i++) buf[pos + i] = s.charCodeAt(i);
    return;
  }
  encoder.encodeInto(s, buf.subarray(pos, pos + byteLength));
}

/**
 * Decodes `buf[start, end)`; `undefined` if it is not valid UTF-8.
 *
 * @internal
 */
export function readUtf8(buf: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n === 0) return "";
  if (n < JS_SCAN_MAX) {
    let bits = 0;
    for (let i = start; i < end; i++) bits |= buf[i]!;
    if (bits < 0x80) {
      if (latin1Slice !== undefined) return latin1Slice.call(buf, start, end);
      let s = "";
      for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
      return s;
    }
  }
  if (utf8Slice !== undefined) {
    const s = utf8Slice.call(buf, start, end);
    if (s.indexOf("\uFFFD") === -1) return s;
  }
  try {
    return fatalDecoder.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}

/** The UTF-8 bytes of `s` (lone surrogates as U+FFFD, as the codec writes every string). */
export function encodeUtf8(s: string): Uint8Array {
  const length = utf8Length(s);
  const out = new Uint8Array(length);
  writeUtf8(out, 0, s, length);
  return out;
}

/** The text of UTF-8 `bytes`, or `undefined` when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  return readUtf8(bytes, 0, bytes.length);
}
