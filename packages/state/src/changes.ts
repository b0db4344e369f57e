import type { VersionedValue } from "./entry.js";

/**
 * One key of one owner changed as seen through `get`: what the runtime emits to its listeners.
 * Emitted for local writes, applied deltas, generation replacements, resets and dropped owners;
 * never for a write that changes nothing visible (a delete of an absent key, a duplicate).
 */
export interface StateChange {
  readonly owner: string;
  readonly key: string;
  /** The value before, with its version; `null` when the key was absent or deleted. */
  readonly previous: VersionedValue | null;
  /** The value now, with its version; `null` when the key is now deleted or no longer held. */
  readonly current: VersionedValue | null;
  /**
   * Version of the key as now held: the new write's version (a tombstone's for a delete), or 0 when
   * nothing of the key is held any more (owner dropped, or replaced by a new generation or reset).
   */
  readonly version: number;
}
