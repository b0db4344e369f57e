/** A key's value with the version of the write that set it. */
export interface VersionedValue {
  readonly value: Uint8Array;
  /** Version of the write, per owner, strictly increasing (1 is the first write). */
  readonly version: number;
}

/** One key as held for an owner: its latest write, which may be a delete (tombstone). */
export interface StateEntry extends VersionedValue {
  readonly key: string;
  /** A deleted key, kept until its grace period ends so that peers learn of the delete. */
  readonly tombstone: boolean;
}

/** The value of every tombstone and of empty writes: shared, so deletes cost no buffer. */
export const EMPTY_VALUE: Uint8Array = new Uint8Array(0);

/**
 * The stored form of an entry. One small object with a fixed shape per held key (four fields);
 * instances are never mutated, so they are handed out as read views and placed directly in
 * outgoing deltas (they satisfy the wire `DeltaEntry` shape).
 */
export class Entry implements StateEntry {
  constructor(
    readonly key: string,
    readonly value: Uint8Array,
    readonly version: number,
    readonly tombstone: boolean,
  ) {}
}

/**
 * The bytes to keep for a value received from elsewhere. A decoded value is often a view into the
 * whole packet it came in; keeping the view would keep the packet alive, so views are copied into a
 * buffer of their own. Empty values share {@link EMPTY_VALUE}.
 */
export function ownValue(value: Uint8Array): Uint8Array {
  if (value.byteLength === 0) return EMPTY_VALUE;
  if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) return value;
  return value.slice();
}
