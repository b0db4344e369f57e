/**
 * A count of bytes a transport has committed to hold, shared by all of its connections, with a
 * fixed ceiling. Each stream's frame decoder reserves a frame's announced length when it reads
 * the header and releases it once the frame is handed over (or the connection is gone), so the
 * memory strangers can make a member hold in half-received frames is bounded per transport, not
 * per connection (`maxConnections × maxFrameBytes`).
 */
export class ByteBudget {
  private used = 0;

  /** @param limitBytes most bytes reserved at once. */
  constructor(readonly limitBytes: number) {}

  /** Bytes reserved right now. */
  get inUse(): number {
    return this.used;
  }

  /** Reserves `bytes` if that stays within the limit; returns whether it did. */
  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back `bytes` from an earlier {@link tryReserve}. */
  release(bytes: number): void {
    this.used -= bytes;
  }
}
