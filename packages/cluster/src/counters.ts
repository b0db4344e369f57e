import { emptyNodeCounters, type NodeCounters, type PacketDropReason } from "@grapevine/node";

/**
 * Why an incoming packet or frame was dropped without being processed.
 * @deprecated use `PacketDropReason` from `@grapevine/node` (the same union).
 */
export type DropReason = PacketDropReason;

/**
 * Running totals of what the runtime did, for metrics and tests. Monotonic.
 * @deprecated use `NodeCounters` from `@grapevine/node` (the same shape).
 */
export type ClusterCounters = NodeCounters;

/**
 * Fresh zeroed counters.
 * @deprecated use `emptyNodeCounters` from `@grapevine/node`.
 */
export const emptyCounters: () => NodeCounters = emptyNodeCounters;
