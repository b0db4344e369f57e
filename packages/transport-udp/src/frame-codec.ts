import { TransportError } from "@grapevine/transport";
import { ByteBudget } from "./byte-budget.js";

/** Bytes in a frame's length prefix (unsigned 32-bit, big-endian). */
export const FRAME_HEADER_BYTES = 4;

/**
 * A length prefix no frame may have, sent by a writer that closes the stream gracefully. TCP alone
 * cannot tell a clean end from a peer that died or reset mid-transfer (a reset racing unread data
 * can reach the reader as a plain end of file), so a stream only ends cleanly on this marker; an
 * end of file without it is reported as `reset`, and a truncated push-pull is never taken for a
 * whole one.
 */
export const END_OF_STREAM = 0xffff_ffff;

/** Largest frame size limit a decoder accepts (one below {@link END_OF_STREAM}). */
export const MAX_FRAME_LIMIT = END_OF_STREAM - 1;

/** The 4-byte end-of-stream marker. */
export function encodeEndOfStream(): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  out.writeUInt32BE(END_OF_STREAM, 0);
  return out;
}

/**
 * Encodes a frame as its 4-byte big-endian length followed by the payload, in one buffer so the
 * frame goes to the socket in a single write.
 */
export function encodeFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  out.writeUInt32BE(payload.byteLength, 0);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/**
 * Splits a TCP byte stream into length-prefixed frames. The limit is checked against the length
 * prefix before anything is allocated, so a peer announcing a 4 GiB frame costs nothing: the
 * decoder throws `TransportError('protocol')` and the caller drops the connection.
 *
 * A frame's whole announced length is reserved from a {@link ByteBudget} when its header is read
 * (that is what the decoder commits to buffering) and released when the frame is handed out or
 * the decoder is {@link dispose}d. When the budget cannot cover a frame the decoder throws
 * `TransportError('limit')`, and the caller drops the connection.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the frame being assembled, or -1 while its header is incomplete. */
  private expected = -1;
  /** Bytes of the budget held for the frame being assembled. */
  private reserved = 0;
  private disposed = false;

  /**
   * @param maxFrameBytes largest payload accepted, in bytes; may be lowered with {@link setLimit}.
   * @param budget where frames being assembled reserve their length; unlimited when omitted.
   */
  constructor(
    private maxFrameBytes: number,
    private readonly budget: ByteBudget = new ByteBudget(Infinity),
  ) {}

  /** Changes the frame size limit (the handshake runs with a small one), in bytes. */
  setLimit(maxFrameBytes: number): void {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet handed out as frames. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** True when a frame has been started but not finished (the peer stopped mid-frame). */
  get midFrame(): boolean {
    return this.buffered > 0;
  }

  /** True once the end-of-stream marker has been decoded. */
  get ended(): boolean {
    return this.sawEnd;
  }

  /** Bytes of the budget this decoder holds right now (the announced length of a partial frame). */
  get reservedBytes(): number {
    return this.reserved;
  }

  private sawEnd = false;

  /**
   * Feeds received bytes; calls `onFrame` for every whole frame, in order, and `onEnd` at the
   * end-of-stream marker. Throws `TransportError('protocol')` for a length prefix above the
   * limit or any byte after the end-of-stream marker, and `TransportError('limit')` when the
   * budget cannot cover an announced frame. Ignores bytes once disposed.
   */
  push(chunk: Buffer, onFrame: (frame: Uint8Array) => void, onEnd: () => void = () => {}): void {
    if (chunk.byteLength === 0 || this.disposed) return;
    if (this.sawEnd) throw new TransportError("protocol", "bytes after the end of the stream");
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    for (;;) {
      // A frame handler may have torn the connection down; a disposed decoder reserves nothing.
      if (this.disposed) return;
      if (this.expected < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) return;
        const length = this.peekHeader();
        if (length === END_OF_STREAM) {
          this.consume(FRAME_HEADER_BYTES);
          if (this.buffered > 0) {
            throw new TransportError("protocol", "bytes after the end of the stream");
          }
          this.sawEnd = true;
          onEnd();
          return;
        }
        if (length > this.maxFrameBytes) {
          throw new TransportError(
            "protocol",
            `peer announced a ${length}-byte frame; the limit is ${this.maxFrameBytes} bytes`,
          );
        }
        if (!this.budget.tryReserve(length)) {
          throw new TransportError(
            "limit",
            `peer announced a ${length}-byte frame; the transport's buffer budget for incoming ` +
              `frames is exhausted (${this.budget.inUse} of ${this.budget.limitBytes} bytes in use)`,
          );
        }
        this.reserved = length;
        this.consume(FRAME_HEADER_BYTES);
        this.expected = length;
      }
      if (this.buffered < this.expected) return;
      const frame = this.take(this.expected);
      this.expected = -1;
      this.budget.release(this.reserved);
      this.reserved = 0;
      onFrame(frame);
    }
  }

  /**
   * Releases whatever this decoder holds of its budget and makes it ignore further bytes; called
   * once the connection is gone, however it went. Idempotent.
   */
  dispose(): void {
    this.disposed = true;
    this.budget.release(this.reserved);
    this.reserved = 0;
  }

  private peekHeader(): number {
    const first = this.chunks[0]!;
    if (first.byteLength >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    const header = Buffer.concat(this.chunks, FRAME_HEADER_BYTES);
    return header.readUInt32BE(0);
  }

  private consume(n: number): void {
    this.take(n);
  }

  /** Removes and returns the next `n` bytes; a view when they lie in one chunk, else a copy. */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first !== undefined && first.byteLength >= n) {
      if (first.byteLength === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const want = n - filled;
      if (chunk.byteLength <= want) {
        out.set(chunk, filled);
        filled += chunk.byteLength;
        this.chunks.shift();
      } else {
        out.set(chunk.subarray(0, want), filled);
        this.chunks[0] = chunk.subarray(want);
        filled += want;
      }
    }
    return out;
  }
}
