import type { StateEntry } from "./entry.js";

/**
 * This node's own keys as the runtime persists them across restarts
 * (`ClusterState.snapshot` / `ClusterState.restore`). Plain data: serialise it as you like.
 */
export interface LocalSnapshot {
  /** The node the keys belong to. */
  readonly owner: string;
  /** Generation the snapshot was taken in. */
  readonly generation: number;
  /** Highest version written in that generation. */
  readonly maxVersion: number;
  /** Every key held, tombstones included, in increasing version order. */
  readonly entries: readonly StateEntry[];
}
