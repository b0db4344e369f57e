/**
 * Output buffers for encoded packets. Allocating a fresh `Uint8Array` above 64 bytes costs V8 an
 * off-heap backing store (hundreds of ns, more than encoding a small packet), so small packets
 * are carved out of a shared slab instead, as Node's pooled `Buffer`s are. Every region is handed
 * out once and fully overwritten by the encoder; a slab lives as long as any packet cut from it.
 *
 * @internal
 */

/** Slab size in bytes. */
const SLAB_BYTES = 16 * 1024;
/** Packets larger than this get their own buffer, so one slab holds at least eight. */
const MAX_POOLED_BYTES = SLAB_BYTES / 8;

let slab = new Uint8Array(0);
let used = 0;

/**
 * A zero-filled or to-be-overwritten region of exactly `size` bytes.
 *
 * @internal
 */
export function allocPacket(size: number): Uint8Array {
  if (size > MAX_POOLED_BYTES) return new Uint8Array(size);
  if (used + size > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + size);
  // Keep regions 8-byte aligned, as Node's pool does.
  used = (used + size + 7) & ~7;
  return out;
}
