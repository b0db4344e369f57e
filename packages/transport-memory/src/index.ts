export {
  copyCounters,
  DROP_REASONS,
  type DropReason,
  emptyCounters,
  emptyTrafficCounters,
  NETWORK_DROP_REASONS,
  type NetworkDropReason,
  type TrafficCounters,
} from "./counters.js";
export { type LatencyModel, type LatencySampler, latencySampler } from "./latency.js";
export { ANY_NODE } from "./link-rules.js";
export {
  type MemoryBindOptions,
  MemoryNetwork,
  type MemoryNetworkOptions,
} from "./memory-network.js";
export { MemoryTransport } from "./memory-transport.js";
export { DEFAULT_SEED, type RandomSource, seededRandom } from "./random.js";
export * from "./stream-loss.js";
export { VirtualClock, type VirtualClockOptions } from "./virtual-clock.js";
