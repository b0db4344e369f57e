/**
 * Copies payloads into shared slabs, the way Node's `Buffer` pool does. A simulation copies
 * millions of small datagrams; giving each its own `ArrayBuffer` puts every copy outside the
 * JavaScript heap and makes garbage collection dominate the run. A copy is a view
 * (`byteOffset` > 0 in general) on a slab that stays alive while any of its views does, so
 * readers must respect `byteOffset` and `byteLength` rather than use `.buffer` whole.
 */
export class BytePool {
  private slab: ArrayBuffer;
  private offset = 0;

  constructor(
    /** Size of each slab in bytes. */
    private readonly slabBytes = 64 * 1024,
    /** Payloads above this many bytes get an `ArrayBuffer` of their own. */
    private readonly maxPooledBytes = 4096,
  ) {
    this.slab = new ArrayBuffer(slabBytes);
  }

  /** A private copy of `data`. */
  copy(data: Uint8Array): Uint8Array {
    const size = data.byteLength;
    if (size > this.maxPooledBytes) return new Uint8Array(data);
    if (this.offset + size > this.slabBytes) {
      this.slab = new ArrayBuffer(this.slabBytes);
      this.offset = 0;
    }
    const copy = new Uint8Array(this.slab, this.offset, size);
    copy.set(data);
    // Keep views 8-byte aligned so a reader may lay a wider typed array over them.
    this.offset += (size + 7) & ~7;
    return copy;
  }
}
