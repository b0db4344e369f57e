/**
 * `@grapevine/cluster`: the Grapevine runtime. Membership, SWIM + Lifeguard failure detection and
 * eventually-consistent per-member state over pluggable transports.
 */

export {
  type ClusterEvent,
  type Coordinate,
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
  type SharedChangedEvent,
  STATS_KEY,
  type StatAggregate,
  TagPatternError,
  type TagPatternProblem,
  type TelemetryOptions,
  type UserMessageEvent,
} from "@grapevine/node";
export { ClockDriftError, DEFAULT_MAX_CLOCK_DRIFT_MS } from "@grapevine/state";
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
export {
  MEMBERLIST_UDP_BYTES,
  MemberlistTransport,
  type MemberlistWireCounters,
  type MemberlistWireSecurity,
} from "./memberlist/memberlist-transport.js";
export { MEMBERLIST_EVENT_NAME, MEMBERLIST_VSN } from "./memberlist/translate.js";
export {
  MEMBERLIST_META_MAX_BYTES,
  WIRE_PROTOCOLS,
  type WireProtocol,
} from "./memberlist/wire.js";
export {
  type ClusterOptions,
  ClusterOptionsError,
  type MemberlistClusterOptions,
} from "./options.js";
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
export { ClusterStats, SharedKeys } from "./shared-api.js";
