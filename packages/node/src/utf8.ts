/**
 * UTF-8 for the few strings the core turns into bytes itself (tag maps), with ECMAScript's own
 * URI functions instead of `TextEncoder`/`TextDecoder`, which are host APIs outside the language
 * (the core's tsconfig loads no host types).
 */

/** The UTF-8 bytes of `s` (lone surrogates throw a `URIError`, as they cannot be encoded). */
export function encodeUtf8(s: string): Uint8Array {
  const escaped = encodeURIComponent(s);
  const out: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped.charCodeAt(i);
    if (ch === 0x25 /* % */) {
      out.push(Number.parseInt(escaped.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(ch);
    }
  }
  return Uint8Array.from(out);
}

const HEX = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).padStart(2, "0")}`);

/** The text of UTF-8 `bytes`, or `undefined` when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  let escaped = "";
  for (const b of bytes) escaped += HEX[b];
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}
