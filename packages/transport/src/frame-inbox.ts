import { AsyncQueue } from "./async-queue.js";

/** How a {@link FrameInbox} slows its source down and lets it go again. */
export interface ReadFlow {
  /** Queued bytes reached the high-water mark: stop reading from the source. */
  pause(): void;
  /** Queued bytes fell below half the mark, or the reader left: read from the source again. */
  resume(): void;
}

/**
 * Received bytes queued but not yet read above which a stream's source is paused, so a reader
 * that falls behind makes TCP flow control slow the peer down instead of growing our memory.
 */
export const READ_HIGH_WATER_BYTES = 1024 * 1024;

/**
 * A stream's queue of received frames with read back-pressure: it counts the bytes queued but not
 * yet read, asks `flow` to pause once they reach `highWaterBytes` and to resume once the reader
 * has brought them below half of it. A reader that stops iterating drops the count and resumes
 * the source, so whatever still arrives is discarded rather than stalling the peer.
 */
export class FrameInbox extends AsyncQueue<Uint8Array> {
  private queuedBytes = 0;

  constructor(
    private readonly flow: ReadFlow,
    private readonly highWaterBytes = READ_HIGH_WATER_BYTES,
  ) {
    super();
  }

  /** Adds a frame; returns false (dropping it) when ended. Pauses the source at the high-water mark. */
  override push(frame: Uint8Array): boolean {
    if (!super.push(frame)) return false;
    this.queuedBytes += frame.byteLength;
    if (this.queuedBytes >= this.highWaterBytes) this.flow.pause();
    return true;
  }

  private consumed(bytes: number): void {
    this.queuedBytes -= bytes;
    if (this.queuedBytes < this.highWaterBytes / 2) this.flow.resume();
  }

  override [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const it = super[Symbol.asyncIterator]();
    return {
      next: async () => {
        const r = await it.next();
        if (!r.done) this.consumed(r.value.byteLength);
        return r;
      },
      return: async () => {
        const r = await it.return!();
        this.queuedBytes = 0;
        this.flow.resume();
        return r;
      },
    };
  }
}
