/** Requests smaller than this many bytes get an array of their own. */
const MIN_CARVED_BYTES = 4096;

/**
 * Typed-array columns carved out of a few large buffers, for many member tables that reserve
 * their columns once (a simulator seeding 10,000 tables of 10,000 members): the JavaScript engine
 * collects garbage for every 64 MiB or so of buffers allocated, and a collection costs the whole
 * heap, so 2 GiB of columns in ~100 KiB pieces cost some thirty full collections, in 256 MiB
 * chunks a handful.
 *
 * The price: a chunk is freed only when every column carved from it is unreachable, so a column
 * replaced by a larger one (a growing table) keeps its space until then. Share an arena only
 * among tables that are sized once and live about as long as each other; a table uses one only
 * through a {@link MemberRegistry} given one, and by default none is.
 */
export class ColumnArena {
  private buffer: ArrayBuffer | undefined = undefined;
  private used = 0;

  /** @param chunkBytes the size of each buffer carved from, bytes. */
  constructor(private readonly chunkBytes = 256 * 1024 * 1024) {}

  /** A zeroed Int32Array of `length`. */
  int32(length: number): Int32Array<ArrayBuffer> {
    const bytes = length * 4;
    if (bytes < MIN_CARVED_BYTES) return new Int32Array(length);
    const [buffer, offset] = this.carve(bytes);
    return new Int32Array(buffer, offset, length);
  }

  /** A zeroed Uint16Array of `length`. */
  uint16(length: number): Uint16Array<ArrayBuffer> {
    const bytes = length * 2;
    if (bytes < MIN_CARVED_BYTES) return new Uint16Array(length);
    const [buffer, offset] = this.carve(bytes);
    return new Uint16Array(buffer, offset, length);
  }

  /** A zeroed Float64Array of `length`. */
  float64(length: number): Float64Array<ArrayBuffer> {
    const bytes = length * 8;
    if (bytes < MIN_CARVED_BYTES) return new Float64Array(length);
    const [buffer, offset] = this.carve(bytes);
    return new Float64Array(buffer, offset, length);
  }

  /** A zeroed Uint8Array of `length`. */
  uint8(length: number): Uint8Array<ArrayBuffer> {
    if (length < MIN_CARVED_BYTES) return new Uint8Array(length);
    const [buffer, offset] = this.carve(length);
    return new Uint8Array(buffer, offset, length);
  }

  private carve(bytes: number): [ArrayBuffer, number] {
    // Every piece starts on an 8-byte boundary, as a Float64Array must.
    const size = Math.ceil(bytes / 8) * 8;
    if (this.buffer === undefined || this.used + size > this.buffer.byteLength) {
      if (size > this.chunkBytes) return [new ArrayBuffer(size), 0];
      this.buffer = new ArrayBuffer(this.chunkBytes);
      this.used = 0;
    }
    const offset = this.used;
    this.used += size;
    return [this.buffer, offset];
  }
}
