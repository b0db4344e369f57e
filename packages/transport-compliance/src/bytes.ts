/**
 * `size` bytes of a deterministic pattern that depends on `seed`, so that payloads of different
 * tests and senders differ and a corrupted, truncated or misrouted payload is noticed.
 */
export function patternBytes(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** True when `a` and `b` hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A payload that starts with `tag` (4 bytes, big-endian) followed by a pattern of `size - 4`. */
export function taggedBytes(tag: number, size: number): Uint8Array {
  const bytes = patternBytes(Math.max(size, 4), tag);
  new DataView(bytes.buffer).setUint32(0, tag >>> 0);
  return bytes;
}

/** The tag {@link taggedBytes} wrote, or `undefined` for fewer than 4 bytes. */
export function tagOf(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength < 4) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}
