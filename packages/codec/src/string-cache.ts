/**
 * A small cache of decoded strings, so that the names, keys and addresses that every packet of a
 * cluster repeats are decoded once and shared after that, rather than decoded (and allocated)
 * again in every packet: a hit costs a hash and a comparison of the bytes, a quarter of what
 * Node's native UTF-8 decoding of a short string costs, and allocates nothing.
 *
 * Direct-mapped: {@link SLOTS} slots, each holding one string of at most {@link MAX_CACHED_BYTES}
 * UTF-8 bytes and a copy of those bytes. A hit compares every byte, so a collision (or a flood
 * of distinct strings from a hostile peer) costs only the miss path, never a wrong string. Held:
 * 64 KiB of bytes and at most 1,024 short strings.
 *
 * @internal
 */
import { readUtf8 } from "./utf8.js";

/**
 * Longest string cached, in UTF-8 bytes. Member names, state keys and addresses fit.
 *
 * @internal
 */
export const MAX_CACHED_BYTES = 64;
/** Number of slots (a power of two: the slot is the hash's top bits). */
const SLOTS = 1024;
const SLOT_SHIFT = 32 - Math.log2(SLOTS);

const bytes = new Uint8Array(SLOTS * MAX_CACHED_BYTES);
const words = new Int32Array(bytes.buffer);
const lengths = new Uint8Array(SLOTS);
const strings: string[] = new Array<string>(SLOTS).fill("");

/** The input being read, and a `DataView` over it for reading four bytes at a time. */
let viewed: Uint8Array | null = null;
const NO_VIEW: DataView = new DataView(new ArrayBuffer(0));
let view = NO_VIEW;

/**
 * Forgets the input (so that the cache does not keep a caller's buffer alive).
 *
 * @internal
 */
export function releaseInput(): void {
  viewed = null;
  view = NO_VIEW;
}

/**
 * The string at `buf[start, start + len)`, from the cache when the same bytes were decoded
 * before; `undefined` if they are not valid UTF-8. `len` is at most {@link MAX_CACHED_BYTES}.
 *
 * @internal
 */
export function cachedUtf8(buf: Uint8Array, start: number, len: number): string | undefined {
  if (viewed !== buf) {
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    viewed = buf;
  }
  const whole = len >>> 2;
  // FNV-style multiplicative hash over 32-bit words, then the last 0-3 bytes.
  let hash = len;
  for (let w = 0; w < whole; w++) {
    hash = Math.imul(hash ^ view.getInt32(start + 4 * w, true), 0x9e3779b1);
  }
  const tail = start + 4 * whole;
  for (let k = tail; k < start + len; k++) hash = Math.imul(hash ^ buf[k]!, 0x9e3779b1);
  const slot = hash >>> SLOT_SHIFT;
  const base = slot * MAX_CACHED_BYTES;

  if (lengths[slot] === len) {
    let same = true;
    const wordBase = base >>> 2;
    for (let w = 0; w < whole; w++) {
      if (words[wordBase + w] !== view.getInt32(start + 4 * w, true)) {
        same = false;
        break;
      }
    }
    if (same) {
      for (let k = 4 * whole; k < len; k++) {
        if (bytes[base + k] !== buf[start + k]) {
          same = false;
          break;
        }
      }
      if (same) return strings[slot]!;
    }
  }

  const s = readUtf8(buf, start, start + len);
  if (s === undefined) return undefined;
  for (let k = 0; k < len; k++) bytes[base + k] = buf[start + k]!;
  lengths[slot] = len;
  strings[slot] = s;
  return s;
}
