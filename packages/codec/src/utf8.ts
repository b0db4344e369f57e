/**
 * UTF-8 for protobuf `string` fields. The encoder sends a lone UTF-16 surrogate as U+FFFD (three
 * bytes), as `TextEncoder` does; the decoder rejects invalid UTF-8 instead of replacing it, so a
 * string either arrives exactly or the packet is `malformed`.
 *
 * @internal
 */

const encoder = new TextEncoder();
// `ignoreBOM` keeps a leading U+FEFF: it is part of the string, not a byte-order mark.
const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
// Node's native slice is several times faster than any portable way of turning short ASCII
// byte runs into strings; elsewhere the decoder falls back to `String.fromCharCode`.
const latin1Slice: Latin1Slice | undefined = (
  globalThis as { Buffer?: { prototype?: { latin1Slice?: Latin1Slice } } }
).Buffer?.prototype?.latin1Slice;

/** Strings at least this long go straight to the native validating decoder. */
const NATIVE_DECODE_MIN = 40;

/** Number of bytes `s` takes in UTF-8 (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  const n = s.length;
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
 */
export function writeUtf8(buf: Uint8Array, pos: number, s: string, byteLength: number): void {
  const n = s.length;
  if (byteLength === n) {
    for (let i = 0; i < n; i++) buf[pos + i] = s.charCodeAt(i);
    return;
  }
  encoder.encodeInto(s, buf.subarray(pos, pos + byteLength));
}

/** Decodes `buf[start, end)`; `undefined` if it is not valid UTF-8. */
export function readUtf8(buf: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n === 0) return "";
  if (n < NATIVE_DECODE_MIN) {
    let i = start;
    while (i < end && buf[i]! < 0x80) i++;
    if (i === end) {
      if (latin1Slice !== undefined) return latin1Slice.call(buf, start, end);
      let s = "";
      for (let k = start; k < end; k++) s += String.fromCharCode(buf[k]!);
      return s;
    }
  }
  try {
    return fatalDecoder.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}
