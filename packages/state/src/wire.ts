/**
 * The wire types this package speaks, as defined by `@grapevine/codec` (`src/messages.ts`): the
 * scuttlebutt digest entry and the owner delta with its entries. This file is the single place the
 * state layer names them.
 *
 * They are declared here, structurally identical to the codec's, rather than imported: importing
 * from `@grapevine/codec` type-checks the codec's sources under this package's sans-IO compiler
 * options (no DOM or Node types), where the codec's use of `TextEncoder` does not compile. Types
 * are structural, so the codec's decoded values are accepted as they are, and `wire.test.ts`
 * fails to compile if the two declarations ever drift apart.
 */

/** One owner's position in a scuttlebutt digest: what the sender holds of that owner. */
export interface DigestEntry {
  readonly owner: string;
  readonly generation: number;
  /** Highest version of `owner` the sender has applied (0: nothing). */
  readonly maxVersion: number;
}

/** One key's value as carried in a delta. */
export interface DeltaEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly version: number;
  /** A deleted key: `value` is empty and the entry is kept until its grace period ends. */
  readonly tombstone: boolean;
}

/**
 * What one owner's replica needs: the entries with `fromVersion < version`, in increasing version
 * order, so that a delta cut short is still a valid prefix.
 */
export interface OwnerDelta {
  readonly owner: string;
  readonly generation: number;
  /** Entries are those after this version (exclusive). */
  readonly fromVersion: number;
  /** The receiver must drop what it holds of `owner` before applying. */
  readonly reset: boolean;
  /** Owner's heartbeat counter (liveness of its state). */
  readonly heartbeat: number;
  /**
   * Version the receiver holds once it has applied `entries`: the owner's highest version when
   * the delta was cut whole, else the version of its last entry (a prefix says how far it goes).
   */
  readonly maxVersion: number;
  readonly entries: readonly DeltaEntry[];
}
