/**
 * `@grapevine/cluster`: the Grapevine runtime. Membership, SWIM + Lifeguard failure detection and
 * eventually-consistent per-member state over pluggable transports.
 */

export {
  type ClusterEvent,
  decodeTags,
  emptyNodeCounters,
  encodeTags,
  ForceLeaveError,
  type ForceLeaveErrorCode,
  type HealthChangedEvent,
  type HealthState,
  type InputLimits,
  type KeyChangedEvent,
  LimitError,
  type Member,
  type MemberEvent,
  type MemberEventType,
  type NodeCounters,
  type PacketDropReason,
  PING_QUERY,
  type QueryFilter,
  QueryOptionError,
  type QueryOptionField,
  type QuerySummary,
  queryTimeout,
  type UserMessageEvent,
} from "@grapevine/node";
export { SwimConfigError } from "@grapevine/swim";
export { Cluster, type ClusterStatus, type EncryptionMode, type JoinOptions } from "./cluster.js";
export { type ClusterCounters, type DropReason, emptyCounters } from "./counters.js";
export {
  associatedData,
  type KeyInfo,
  type KeyInput,
  Keyring,
  KeyringError,
  type KeyringErrorCode,
  looksSealed,
  type OpenResult,
  parseKeyringFile,
  SEAL_OVERHEAD,
} from "./keyring.js";
export { type ClusterOptions, ClusterOptionsError } from "./options.js";
export {
  INTERNAL_QUERY_PREFIX,
  type IncomingQuery,
  KEY_QUERIES,
  type QueryAnswer,
  type QueryHandler,
  type QueryOptions,
  type QueryResult,
} from "./queries.js";
export { cryptoRng, type Rng, randomInt, seededRng } from "./rng.js";
