import type { Cluster } from "@grapevine/cluster";
import type { AgentLogger } from "./logger.js";
import type { AgentSnapshot } from "./snapshot.js";

/**
 * What the agent writes to its data dir now: its own keys, the cluster-scoped keys and the
 * members it knows.
 */
export function takeSnapshot(cluster: Cluster, generation: number): AgentSnapshot {
  return {
    name: cluster.name,
    generation,
    savedAt: Date.now(),
    members: cluster
      .members()
      .filter((m) => !m.local && m.status !== "left")
      .map((m) => ({ name: m.name, status: m.status, addresses: m.addresses })),
    state: cluster.snapshotLocalState(),
    shared: cluster.shared.snapshot(),
  };
}

/**
 * Restores the agent's own keys and the cluster-scoped keys from `snapshot`; a part the cluster
 * refuses is logged, and the rest is still restored.
 */
export function restoreSnapshot(
  cluster: Cluster,
  snapshot: AgentSnapshot,
  logger: AgentLogger,
): void {
  try {
    cluster.restoreLocalState(snapshot.state);
    logger.info(
      {
        members: snapshot.members.length,
        keys: snapshot.state.entries.filter((e) => !e.tombstone).length,
        savedAt: new Date(snapshot.savedAt).toISOString(),
      },
      "snapshot restored",
    );
  } catch (err) {
    logger.warn(
      { reason: err instanceof Error ? err.message : String(err) },
      "snapshot state could not be restored; starting with no keys",
    );
  }
  if (snapshot.shared === undefined) return;
  try {
    cluster.shared.restore(snapshot.shared);
    logger.info(
      {
        keys: snapshot.shared.entries.filter((e) => !e.tombstone).length,
        lastContact: new Date(snapshot.shared.lastContactAt).toISOString(),
      },
      "cluster config restored from the snapshot",
    );
  } catch (err) {
    logger.warn(
      { reason: err instanceof Error ? err.message : String(err) },
      "cluster config in the snapshot could not be restored; it is learned from peers",
    );
  }
}
