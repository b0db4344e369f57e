/**
 * Bounds the decoder enforces on every packet. A packet that exceeds any of them is rejected with
 * reason `limit` (or `oversized` for {@link CodecLimits.maxPacketBytes}) before the excess is
 * decoded, so a hostile peer cannot make a receiver do or hold more than these allow.
 *
 * Counts are per message unless stated otherwise; byte sizes are UTF-8 bytes for strings.
 */
export interface CodecLimits {
  /**
   * Largest input accepted, in bytes (reason `oversized`). Default 65,536: enough for any
   * datagram; stream frames carrying a push-pull may raise it to a few MiB.
   */
  readonly maxPacketBytes: number;
  /** Messages in one envelope. Default 1,024. */
  readonly maxMessages: number;
  /**
   * Bytes of one name: member names, probe targets and sources, `from`, state owners, user
   * message names, and the cluster label. Default 256.
   */
  readonly maxNameBytes: number;
  /** Bytes of one address URL. Default 512. */
  readonly maxAddressBytes: number;
  /** Addresses advertised for one member (or one probe source/target). Default 16. */
  readonly maxAddresses: number;
  /** Bytes of one member's metadata. Default 1,024 (an alive with full meta still fits a 1,400-byte MTU). */
  readonly maxMetaBytes: number;
  /** Bytes of an ack or user message payload. Default 65,536. */
  readonly maxPayloadBytes: number;
  /** Bytes of one state key. Default 256. */
  readonly maxKeyBytes: number;
  /** Bytes of one state value. Default 65,536. */
  readonly maxValueBytes: number;
  /** Entries in one scuttlebutt digest. Default 16,384. */
  readonly maxDigestEntries: number;
  /** Owner deltas in one message. Default 16,384. */
  readonly maxOwners: number;
  /** Delta entries in one message, summed over all its owners. Default 65,536. */
  readonly maxEntries: number;
  /** Members in one push-pull (and names in one query filter). Default 16,384. */
  readonly maxMembers: number;
  /** Tag conditions in one query filter. Default 64. */
  readonly maxQueryFilters: number;
  /**
   * Cluster label the receiver expects. When set, a packet with any other label (including no
   * label when this is non-empty) is rejected with reason `label-mismatch`. Unset: any label is
   * accepted and returned in the envelope.
   */
  readonly label?: string | undefined;
}

/** The limits {@link decode} applies to whatever the caller does not override. */
export const DEFAULT_CODEC_LIMITS: Readonly<CodecLimits> = Object.freeze({
  maxPacketBytes: 65_536,
  maxMessages: 1_024,
  maxNameBytes: 256,
  maxAddressBytes: 512,
  maxAddresses: 16,
  maxMetaBytes: 1_024,
  maxPayloadBytes: 65_536,
  maxKeyBytes: 256,
  maxValueBytes: 65_536,
  maxDigestEntries: 16_384,
  maxOwners: 16_384,
  maxEntries: 65_536,
  maxMembers: 16_384,
  maxQueryFilters: 64,
});

/**
 * The decoder's default limits.
 * @deprecated Use {@link DEFAULT_CODEC_LIMITS}; `DEFAULT_LIMITS` of `@grapevine/state` is another
 * thing (key and value sizes held).
 */
export const DEFAULT_LIMITS: Readonly<CodecLimits> = DEFAULT_CODEC_LIMITS;

let lastPartial: Partial<CodecLimits> | undefined;
let lastResolved: CodecLimits = DEFAULT_CODEC_LIMITS;

/**
 * Fills in defaults (for absent and for `undefined` entries). The last partial object seen is remembered, so a caller that passes the same
 * object on every call pays for the merge once.
 *
 * @internal
 */
export function resolveLimits(limits: Partial<CodecLimits> | undefined): CodecLimits {
  if (limits === undefined) return DEFAULT_CODEC_LIMITS;
  if (limits === lastPartial) return lastResolved;
  const resolved: Record<string, unknown> = { ...DEFAULT_CODEC_LIMITS };
  // An explicitly undefined limit means the default, never "no limit".
  for (const [name, value] of Object.entries(limits)) {
    if (value !== undefined) resolved[name] = value;
  }
  lastPartial = limits;
  lastResolved = resolved as unknown as CodecLimits;
  return lastResolved;
}
