/**
 * Compression of stream frames (push-pull: the whole member list and state, O(N) bytes), offered
 * only to members that said they accept it, so members with and without it interoperate.
 *
 * - The core does not compress by itself (it is sans-IO and dependency-free): the runtime hands it
 *   a {@link FrameCompression} (`@grapevine/cluster` uses `node:zlib`'s raw deflate).
 * - A member that has one says so in every ack it sends on its own behalf (a feature byte after
 *   the digest hash, see `anti-entropy.ts`); every member probes a random member each period, so
 *   within one push-pull interval a member knows the features of nearly everyone it may dial.
 * - A request frame is compressed only to a member known to accept it; a reply is compressed when
 *   the request was (or its sender is known to accept it). Members without the feature never send
 *   the byte, so nobody sends them a compressed frame; they keep exchanging plain frames.
 * - A compressed frame starts with a 0 byte, which no envelope starts with (a protobuf field
 *   number is never 0), then the algorithm, then the compressed envelope. The decompressed size is
 *   bounded by the link's largest frame; anything that fails to inflate is dropped as malformed.
 */

/** Feature bit in an ack: this member accepts deflate-compressed stream frames. */
export const FEATURE_DEFLATE = 0x01;

/** First byte of a compressed frame (never the first byte of an envelope). */
export const COMPRESSED_FRAME_MARKER = 0x00;
/** Second byte: raw deflate (RFC 1951). */
export const ALGORITHM_DEFLATE_RAW = 0x01;

/** Frames smaller than this go plain: deflate's framing would eat the gain. */
export const MIN_COMPRESSED_FRAME_BYTES = 256;

/** Most members whose features are remembered at once (the table is cleared when it fills). */
const MAX_REMEMBERED = 65_536;

/** A compressor the runtime provides (synchronous: the core's steps are). */
export interface FrameCompression {
  /** Raw deflate of `bytes`. */
  compress(bytes: Uint8Array): Uint8Array;
  /** Inflates raw deflate; `undefined` when it is malformed or inflates past `maxBytes`. */
  decompress(bytes: Uint8Array, maxBytes: number): Uint8Array | undefined;
}

/** What this member knows of its peers' features, by address, and its own compressor. */
export class FrameCodec {
  private readonly features = new Map<string, number>();

  constructor(private readonly compression: FrameCompression | undefined) {}

  /** The feature byte this member puts in its acks. */
  get ownFeatures(): number {
    return this.compression === undefined ? 0 : FEATURE_DEFLATE;
  }

  /** What `address` last announced, if anything. */
  featuresOf(address: string): number | undefined {
    return this.features.get(address);
  }

  /** An ack from `address` announced `features`. */
  learn(address: string, features: number): void {
    if (this.features.size >= MAX_REMEMBERED && !this.features.has(address)) this.features.clear();
    this.features.set(address, features);
  }

  /** Whether `address` is known to accept compressed frames (and we can compress). */
  accepts(address: string): boolean {
    return (
      this.compression !== undefined && ((this.features.get(address) ?? 0) & FEATURE_DEFLATE) !== 0
    );
  }

  /** `frame` compressed when `compress` and worth it, else as it is. */
  encode(frame: Uint8Array, compress: boolean): Uint8Array {
    if (!compress || this.compression === undefined || frame.length < MIN_COMPRESSED_FRAME_BYTES) {
      return frame;
    }
    const packed = this.compression.compress(frame);
    if (packed.length + 2 >= frame.length) return frame;
    const out = new Uint8Array(packed.length + 2);
    out[0] = COMPRESSED_FRAME_MARKER;
    out[1] = ALGORITHM_DEFLATE_RAW;
    out.set(packed, 2);
    return out;
  }

  /** Whether `frame` is a compressed one. */
  static isCompressed(frame: Uint8Array): boolean {
    return frame.length >= 2 && frame[0] === COMPRESSED_FRAME_MARKER;
  }

  /**
   * The envelope inside `frame`: itself when plain; inflated when compressed (`undefined` when
   * it cannot be: unknown algorithm, no compressor here, malformed, or larger than `maxBytes`).
   */
  decode(frame: Uint8Array, maxBytes: number): Uint8Array | undefined {
    if (!FrameCodec.isCompressed(frame)) return frame;
    if (frame[1] !== ALGORITHM_DEFLATE_RAW || this.compression === undefined) return undefined;
    return this.compression.decompress(frame.subarray(2), maxBytes);
  }
}
