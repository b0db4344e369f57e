/** Size limits on what the state layer holds, for local writes and for deltas from peers. */
export interface StateLimits {
  /** Largest key, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /**
   * Largest value, in bytes. Keep it well under the datagram budget (MTU) so that any single
   * write can travel in one packet; larger values only move over the stream channel.
   */
  readonly maxValueBytes: number;
}

/** Defaults: 256-byte keys, 1 KiB values (a value and its framing fit a 1400-byte packet). */
export const DEFAULT_STATE_LIMITS: StateLimits = { maxKeyBytes: 256, maxValueBytes: 1024 };

/**
 * The default key and value size limits.
 * @deprecated Use {@link DEFAULT_STATE_LIMITS}; `DEFAULT_LIMITS` of `@grapevine/codec` is another
 * thing (the decoder's bounds on a packet).
 */
export const DEFAULT_LIMITS: StateLimits = DEFAULT_STATE_LIMITS;

/** Default time a tombstone is kept before it is collected, in ms (1 hour). */
export const DEFAULT_TOMBSTONE_GRACE_MS = 3_600_000;

/** Default time a dead owner's state is kept before it is dropped, in ms (1 hour). */
export const DEFAULT_DEAD_OWNER_GRACE_MS = 3_600_000;
