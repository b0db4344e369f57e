/**
 * `@grapevine/cluster`: the Grapevine runtime. Membership, SWIM + Lifeguard failure detection and
 * eventually-consistent per-member state over pluggable transports.
 */
export { Cluster, type ClusterStatus, type JoinOptions } from "./cluster.js";
export { type ClusterCounters, type DropReason, emptyCounters } from "./counters.js";
export {
  type ClusterEvent,
  decodeTags,
  encodeTags,
  type KeyChangedEvent,
  type Member,
  type MemberEvent,
  type MemberEventType,
  type UserMessageEvent,
} from "./events.js";
export { type ClusterOptions, ClusterOptionsError } from "./options.js";
export { cryptoRng, type Rng, randomInt, seededRng } from "./rng.js";
