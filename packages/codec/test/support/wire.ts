/** A tiny protobuf writer for hand-made (and deliberately broken) test packets. */

/** Bytes of a varint; accepts any non-negative integer up to 2^70. */
export function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export function tag(field: number, wireType: number): number[] {
  return varint((BigInt(field) << 3n) | BigInt(wireType));
}

/** A varint field. */
export function vfield(field: number, value: number | bigint): number[] {
  return [...tag(field, 0), ...varint(value)];
}

/** A length-delimited field holding raw bytes. */
export function lfield(field: number, body: ArrayLike<number>): number[] {
  return [...tag(field, 2), ...varint(body.length), ...Array.from(body)];
}

/** A length-delimited field holding a UTF-8 string. */
export function sfield(field: number, s: string): number[] {
  return lfield(field, new TextEncoder().encode(s));
}

export function bytes(...parts: number[][]): Uint8Array {
  return new Uint8Array(parts.flat());
}

/** An envelope of version 1 with the given message wrappers' bodies (kind, body bytes). */
export function envelope(...messages: [kind: number, body: number[]][]): Uint8Array {
  return bytes(vfield(1, 1), ...messages.map(([kind, body]) => lfield(3, lfield(kind, body))));
}
