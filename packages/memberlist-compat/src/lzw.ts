import { MemberlistError } from "./errors.js";

/**
 * LZW as Go's `compress/lzw` does it with `LSB` order and 8-bit literals, memberlist's only
 * compression (`compressPayload`): codes start 9 bits wide and grow to 12; code 256 clears the
 * table, 257 ends the stream; when the table fills the writer emits a clear and starts over. The
 * output is byte-identical to Go 1.19's writer (tested against it).
 */

const CLEAR = 256;
const EOF_CODE = 257;
const MAX_CODE = (1 << 12) - 1;
const MAX_WIDTH = 12;
const TABLE_SIZE = 4 * (1 << 12);
const TABLE_MASK = TABLE_SIZE - 1;

/** Compresses `input` (Go's `lzw.NewWriter(w, lzw.LSB, 8)`, one `Write`, then `Close`). */
export function lzwCompress(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let nBits = 0;
  let width = 9;
  let hi = EOF_CODE;
  let overflow = 1 << 9;
  const table = new Uint32Array(TABLE_SIZE);
  const write = (code: number): void => {
    bits += code * 2 ** nBits;
    nBits += width;
    while (nBits >= 8) {
      out.push(bits % 256);
      bits = Math.floor(bits / 256);
      nBits -= 8;
    }
  };
  /** Returns true when the table was full and has been cleared (Go's errOutOfCodes). */
  const incHi = (): boolean => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow *= 2;
    }
    if (hi === MAX_CODE) {
      write(CLEAR);
      width = 9;
      hi = EOF_CODE;
      overflow = 1 << 9;
      table.fill(0);
      return true;
    }
    return false;
  };
  if (input.length === 0) {
    write(CLEAR);
  } else {
    write(CLEAR);
    let code = input[0] as number;
    loop: for (let i = 1; i < input.length; i++) {
      const literal = input[i] as number;
      const key = ((code << 8) | literal) >>> 0;
      let hash = ((key >>> 12) ^ key) & TABLE_MASK;
      for (let h = hash, t = table[hash] as number; t !== 0; ) {
        if (key === t >>> 12) {
          code = t & MAX_CODE;
          continue loop;
        }
        h = (h + 1) & TABLE_MASK;
        t = table[h] as number;
      }
      write(code);
      code = literal;
      if (incHi()) continue;
      for (;;) {
        if (table[hash] === 0) {
          table[hash] = ((key << 12) | hi) >>> 0;
          break;
        }
        hash = (hash + 1) & TABLE_MASK;
      }
    }
    write(code);
    incHi();
  }
  write(EOF_CODE);
  if (nBits > 0) out.push(bits % 256);
  return Uint8Array.from(out);
}

/**
 * Decompresses what {@link lzwCompress} (or Go) wrote. A stream that ends without the end code,
 * holds an invalid code or would expand past `maxOutputBytes` is a {@link MemberlistError}
 * `compression` (Go's reader fails on the first two too).
 */
export function lzwDecompress(input: Uint8Array, maxOutputBytes: number): Uint8Array {
  let out = new Uint8Array(Math.min(Math.max(64, input.length * 4), maxOutputBytes));
  let o = 0;
  const ensure = (n: number): void => {
    if (o + n > maxOutputBytes) {
      throw new MemberlistError("limit", `LZW output over ${maxOutputBytes} bytes`);
    }
    if (o + n <= out.length) return;
    let size = out.length * 2;
    while (size < o + n) size *= 2;
    const next = new Uint8Array(Math.min(size, maxOutputBytes));
    next.set(out.subarray(0, o));
    out = next;
  };
  const suffix = new Uint8Array(1 << MAX_WIDTH);
  const prefix = new Uint16Array(1 << MAX_WIDTH);
  const INVALID = 0xffff;
  let bits = 0;
  let nBits = 0;
  let width = 9;
  let hi = EOF_CODE;
  let overflow = 1 << 9;
  let last = INVALID;
  let at = 0;
  const scratch = new Uint8Array(1 << MAX_WIDTH);
  for (;;) {
    while (nBits < width) {
      if (at >= input.length)
        throw new MemberlistError("compression", "LZW stream ends without its end code");
      bits |= (input[at++] as number) << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;
    if (code < CLEAR) {
      ensure(1);
      out[o++] = code;
      if (last !== INVALID) {
        suffix[hi] = code;
        prefix[hi] = last;
      }
    } else if (code === CLEAR) {
      width = 9;
      hi = EOF_CODE;
      overflow = 1 << 9;
      last = INVALID;
      continue;
    } else if (code === EOF_CODE) {
      return out.slice(0, o);
    } else if (code <= hi) {
      if (code === hi && last === INVALID) {
        throw new MemberlistError("compression", "LZW code refers to an entry not yet made");
      }
      // Walk the chain backwards into scratch, then copy it out (Go fills its buffer the same way).
      let i = scratch.length - 1;
      let c = code;
      if (code === hi) {
        c = last;
        while (c >= CLEAR) c = prefix[c] as number;
        scratch[i--] = c;
        c = last;
      }
      while (c >= CLEAR) {
        scratch[i--] = suffix[c] as number;
        c = prefix[c] as number;
      }
      scratch[i] = c;
      const run = scratch.subarray(i);
      ensure(run.length);
      out.set(run, o);
      o += run.length;
      if (last !== INVALID) {
        suffix[hi] = c;
        prefix[hi] = last;
      }
    } else {
      throw new MemberlistError("compression", `invalid LZW code ${code}`);
    }
    last = code;
    hi++;
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        last = INVALID;
        hi--;
      } else {
        width++;
        overflow = 1 << width;
      }
    }
  }
}
