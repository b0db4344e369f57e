import { Decoder } from "@msgpack/msgpack";
import { MemberlistError } from "./errors.js";

/**
 * msgpack as memberlist's Go codec writes it (`hashicorp/go-msgpack`, a zero `MsgpackHandle`:
 * `WriteExt` off). That handle speaks the msgpack of before 2013: strings and byte slices are
 * both "raw" (fixstr, str16, str32; never str8 and never bin), structs are maps keyed by field
 * name in declaration order, integers take their smallest form. Decoding goes through
 * `@msgpack/msgpack` (which accepts every form); encoding is this small writer, because that
 * library always writes str8 and bin for what Go writes as raw, and byte-for-byte agreement
 * with Go keeps the golden tests exact (and stays readable by Go's older decoders).
 */
export class GoMsgpackWriter {
  private bytes = new Uint8Array(256);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }

  private u16(v: number): void {
    this.byte(v >>> 8);
    this.byte(v & 0xff);
  }

  private u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }

  /** A non-negative integer up to 2^53 − 1 (Go's `encodeUint`). */
  uint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new MemberlistError("malformed", `not an unsigned integer: ${v}`);
    }
    if (v <= 0x7f) this.byte(v);
    else if (v <= 0xff) {
      this.byte(0xcc);
      this.byte(v);
    } else if (v <= 0xffff) {
      this.byte(0xcd);
      this.u16(v);
    } else if (v <= 0xffffffff) {
      this.byte(0xce);
      this.u32(v);
    } else {
      this.byte(0xcf);
      this.u32(Math.floor(v / 2 ** 32));
      this.u32(v >>> 0);
    }
    return this;
  }

  /** `true` or `false`. */
  bool(v: boolean): this {
    this.byte(v ? 0xc3 : 0xc2);
    return this;
  }

  /** msgpack nil: how Go writes a nil byte slice. */
  nil(): this {
    this.byte(0xc0);
    return this;
  }

  /** Raw bytes with Go's raw-container header: fixstr below 32, else str16, else str32. */
  raw(v: Uint8Array): this {
    const n = v.length;
    this.header(n, 0xa0, 32, 0xda);
    this.reserve(n);
    this.bytes.set(v, this.length);
    this.length += n;
    return this;
  }

  /** A string, as UTF-8 raw bytes. */
  str(v: string): this {
    return this.raw(utf8.encode(v));
  }

  /** A map header of `n` entries (fixmap, map16, map32). */
  map(n: number): this {
    this.header(n, 0x80, 16, 0xde);
    return this;
  }

  /**
   * A container header for `n`: `fixed | n` below `fixedLimit`, else the 16-bit form `code16`
   * with a 2-byte count, else the 32-bit form (`code16 + 1`) with a 4-byte count.
   */
  private header(n: number, fixed: number, fixedLimit: number, code16: number): void {
    if (n < fixedLimit) this.byte(fixed | n);
    else if (n < 0x10000) {
      this.byte(code16);
      this.u16(n);
    } else {
      this.byte(code16 + 1);
      this.u32(n);
    }
  }

  /** Everything written so far (a copy). */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Go strings are byte strings: bytes that are not UTF-8 decode with U+FFFD, as `string(b)` prints. */
export function decodeUtf8(bytes: Uint8Array): string {
  return fromUtf8.decode(bytes);
}

/** UTF-8 bytes of `s`. */
export function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}

/**
 * The end offset of the msgpack value starting at `offset`, or -1 when `bytes` ends first. Lets
 * a stream reader cut exactly one value off a buffer that may hold more (push-pull states are
 * msgpack values followed by raw user state) or less (still arriving).
 */
export function msgpackValueEnd(bytes: Uint8Array, offset: number, depth = 0): number {
  if (depth > 64) throw new MemberlistError("malformed", "msgpack nested too deeply");
  if (offset >= bytes.length) return -1;
  const b = bytes[offset] as number;
  const need = (n: number): boolean => offset + n <= bytes.length;
  const be = (at: number, n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (bytes[at + i] as number);
    return v;
  };
  const sized = (headerBytes: number, lengthBytes: number, extra = 0): number => {
    if (!need(1 + lengthBytes)) return -1;
    const end = offset + 1 + headerBytes + be(offset + 1, lengthBytes) + extra;
    return end <= bytes.length ? end : -1;
  };
  const items = (start: number, count: number): number => {
    let at = start;
    for (let i = 0; i < count; i++) {
      at = msgpackValueEnd(bytes, at, depth + 1);
      if (at < 0) return -1;
    }
    return at;
  };
  if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return offset + 1;
  if (b >= 0x80 && b <= 0x8f) return items(offset + 1, (b & 0x0f) * 2);
  if (b >= 0x90 && b <= 0x9f) return items(offset + 1, b & 0x0f);
  if (b >= 0xa0 && b <= 0xbf)
    return offset + 1 + (b & 0x1f) <= bytes.length ? offset + 1 + (b & 0x1f) : -1;
  switch (b) {
    case 0xcc:
    case 0xd0:
      return need(2) ? offset + 2 : -1;
    case 0xcd:
    case 0xd1:
      return need(3) ? offset + 3 : -1;
    case 0xce:
    case 0xd2:
    case 0xca:
      return need(5) ? offset + 5 : -1;
    case 0xcf:
    case 0xd3:
    case 0xcb:
      return need(9) ? offset + 9 : -1;
    case 0xc4:
    case 0xd9:
      return sized(1, 1);
    case 0xc5:
    case 0xda:
      return sized(2, 2);
    case 0xc6:
    case 0xdb:
      return sized(4, 4);
    case 0xd4:
      return need(3) ? offset + 3 : -1;
    case 0xd5:
      return need(4) ? offset + 4 : -1;
    case 0xd6:
      return need(6) ? offset + 6 : -1;
    case 0xd7:
      return need(10) ? offset + 10 : -1;
    case 0xd8:
      return need(18) ? offset + 18 : -1;
    case 0xc7:
      return sized(1, 1, 1);
    case 0xc8:
      return sized(2, 2, 1);
    case 0xc9:
      return sized(4, 4, 1);
    case 0xdc:
      return need(3) ? items(offset + 3, be(offset + 1, 2)) : -1;
    case 0xdd:
      return need(5) ? items(offset + 5, be(offset + 1, 4)) : -1;
    case 0xde:
      return need(3) ? items(offset + 3, be(offset + 1, 2) * 2) : -1;
    case 0xdf:
      return need(5) ? items(offset + 5, be(offset + 1, 4) * 2) : -1;
    default:
      throw new MemberlistError("malformed", `msgpack: reserved byte 0x${b.toString(16)}`);
  }
}

const decoder = new Decoder({
  // Go writes byte slices as raw strings: keep them as bytes; each field converts its own.
  rawStrings: true,
  useBigInt64: false,
});

/**
 * Decodes exactly one msgpack value filling `bytes`. Strings come back as `Uint8Array` (map keys
 * as strings). Every failure is a {@link MemberlistError}.
 */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes);
  } catch (err) {
    if (err instanceof MemberlistError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new MemberlistError(
      /insufficient data/i.test(message) ? "truncated" : "malformed",
      `msgpack: ${message}`,
    );
  }
}
