/**
 * Every size limit of the memberlist codec, named once with its reason. The defaults follow
 * memberlist's own constants where it has one.
 */
export interface MemberlistLimits {
  /** Largest node meta, bytes: memberlist's `MetaMaxSize` (512); longer meta is refused. */
  readonly maxMetaBytes: number;
  /**
   * Largest encrypted stream frame or push-pull state, bytes: memberlist's `maxPushStateBytes`
   * (20 MiB), which guards a node against a peer that claims a huge state.
   */
  readonly maxStreamBytes: number;
  /**
   * Largest output of decompressing one UDP packet, bytes. memberlist sets none; a 1,400-byte
   * LZW packet cannot expand past ~350 KB, and this keeps a crafted packet from costing more.
   */
  readonly maxDecompressedBytes: number;
  /** How many compound/compress layers may nest; memberlist recurses without a bound. */
  readonly maxNesting: number;
  /** Most nodes in one push-pull; memberlist bounds it only by {@link maxStreamBytes}. */
  readonly maxPushPullNodes: number;
}

/** The defaults: memberlist's values, and generous bounds where it has none. */
export const DEFAULT_LIMITS: MemberlistLimits = {
  maxMetaBytes: 512,
  maxStreamBytes: 20 * 1024 * 1024,
  maxDecompressedBytes: 1024 * 1024,
  maxNesting: 4,
  maxPushPullNodes: 100_000,
};

/** memberlist's `LabelMaxSize`: a label is 1–255 bytes (its length is one byte). */
export const LABEL_MAX_BYTES = 255;

/** memberlist's `compoundOverhead` and `compoundHeaderOverhead`, bytes. */
export const COMPOUND_OVERHEAD = { header: 2, perMessage: 2 } as const;

/** Most messages in one compound: the count is one byte. */
export const COMPOUND_MAX_MESSAGES = 255;

/** Largest message inside a compound: its length is a big-endian uint16. */
export const COMPOUND_MAX_MESSAGE_BYTES = 0xffff;
