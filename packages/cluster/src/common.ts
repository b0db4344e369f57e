// What both entry points (Node's `index.ts`, the browser's `index.browser.ts`) export.

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
  PROBE_RTT_BOUNDS_MS,
  type ProbeRttHistogram,
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
export {
  ClockDriftError,
  DEFAULT_MAX_CLOCK_DRIFT_MS,
  type SharedEntry,
  type SharedSnapshot,
} from "@grapevine/state";
export { SwimConfigError } from "@grapevine/swim";
export {
  type ClusterPlatform,
  ClusterRuntime,
  type EncryptionMode,
  type PacketKeyring,
} from "./cluster-runtime.js";
export { type ClusterCounters, type DropReason, emptyCounters } from "./counters.js";
export type { JoinFailure, JoinFailureCode, JoinReport } from "./join-failure.js";
export {
  associatedData,
  type KeyInfo,
  type KeyInput,
  KeyringError,
  type KeyringErrorCode,
  looksSealed,
  type OpenResult,
  SEAL_OVERHEAD,
} from "./keyring-format.js";
export {
  type ClusterOptions,
  ClusterOptionsError,
  type ClusterStatus,
  type EventOptions,
  type JoinOptions,
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
export { WebCryptoKeyring } from "./web-keyring.js";
export { WIRE_PROTOCOLS, type WireProtocol } from "./wire-setup.js";
