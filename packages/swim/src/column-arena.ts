/** Requests smaller than this many bytes get an array of their own. */
const MIN_CARVED_BYTES = 4096;

/** A typed-array constructor (`Int32Array`, ...), as {@link ColumnArena} calls it. */
interface TypedArrayKind<T> {
  new (length: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

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
    return this.column(Int32Array, length);
  }

  /** A zeroed Uint16Array of `length`. */
  uint16(length: number): Uint16Array<ArrayBuffer> {
    return this.column(Uint16Array, length);
  }

  /** A zeroed Float64Array of `length`. */
  float64(length: number): Float64Array<ArrayBuffer> {
    return this.column(Float64Array, length);
  }

  /** A zeroed Uint8Array of `length`. */
  uint8(length: number): Uint8Array<ArrayBuffer> {
    return this.column(Uint8Array, length);
  }

  /** A zeroed array of `Kind` and `length`: its own when small, else carved from a chunk. */
  private column<T>(Kind: TypedArrayKind<T>, length: number): T {
    const bytes = length * Kind.BYTES_PER_ELEMENT;
    if (bytes < MIN_CARVED_BYTES) return new Kind(length);
    const [buffer, offset] = this.carve(bytes);
    return new Kind(buffer, offset, length);
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
