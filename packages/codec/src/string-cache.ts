/**
 * A small cache of decoded strings, so that the names, keys and addresses that every packet of a
 * cluster repeats are decoded once and shared after that, rather than decoded (and allocated)
 * again in every packet: a hit costs a hash and a comparison of the bytes, about half of what
 * Node's native UTF-8 decoding of a short string costs, and allocates nothing.
 *
 * Direct-mapped: {@link SLOTS} slots, each holding one string of at most {@link MAX_CACHED_BYTES}
 * UTF-8 bytes and a copy of those bytes (as 32-bit words, compared four bytes at a time). A hit
 * compares every byte, so a collision (or a flood of distinct strings from a hostile peer) costs
 * only the miss path, never a wrong string. Held: 64 KiB of bytes and at most 1,024 short strings.
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

/** Words per slot: the bytes four at a time, the last 1-3 zero-padded. */
const SLOT_WORDS = MAX_CACHED_BYTES / 4;
const words = new Int32Array(SLOTS * SLOT_WORDS);
const lengths = new Uint8Array(SLOTS);
const strings: string[] = new Array<string>(SLOTS).fill("");

/** Bytes `p` to `p + 3` of `buf` as a 32-bit word, the same on every platform. */
function wordAt(buf: Uint8Array, p: number): number {
  return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
}

/** The last `n` (0-3) bytes from `p` as a zero-padded word. */
function tailAt(buf: Uint8Array, p: number, n: number): number {
  if (n === 0) return 0;
  let word = buf[p]!;
  if (n > 1) word |= buf[p + 1]! << 8;
  if (n > 2) word |= buf[p + 2]! << 16;
  return word;
}

/**
 * The string at `buf[start, start + len)`, from the cache when the same bytes were decoded
 * before; `undefined` if they are not valid UTF-8. `len` is at most {@link MAX_CACHED_BYTES}.
 *
 * @internal
 */
export function cachedUtf8(buf: Uint8Array, start: number, len: number): string | undefined {
  const whole = len >>> 2;
  const tail = tailAt(buf, start + 4 * whole, len & 3);
  // A multiplicative hash over 32-bit words.
  let hash = len;
  for (let w = 0, p = start; w < whole; w++, p += 4) {
    hash = Math.imul(hash ^ wordAt(buf, p), 0x9e3779b1);
  }
  hash = Math.imul(hash ^ tail, 0x9e3779b1);
  const slot = hash >>> SLOT_SHIFT;
  const base = slot * SLOT_WORDS;

  if (lengths[slot] === len && (whole === SLOT_WORDS || words[base + whole] === tail)) {
    let w = 0;
    for (let p = start; w < whole; w++, p += 4) {
      if (words[base + w] !== wordAt(buf, p)) break;
    }
    if (w === whole) return strings[slot]!;
  }

  const s = readUtf8(buf, start, start + len);
  if (s === undefined) return undefined;
  for (let w = 0, p = start; w < whole; w++, p += 4) words[base + w] = wordAt(buf, p);
  if (whole < SLOT_WORDS) words[base + whole] = tail;
  lengths[slot] = len;
  strings[slot] = s;
  return s;
}
