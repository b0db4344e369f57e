/**
 * `@grapevine/node`: one cluster member's whole protocol (SWIM + Lifeguard, state, dissemination,
 * anti-entropy, push-pull, reconnect, joins, leaves, queries, force-leave) as a sans-IO step function. Runtimes
 * (`@grapevine/cluster`, the simulator) feed it datagrams, stream frames and ticks with the time,
 * and carry out what it drains.
 */
export { answerSyn, answerSynAck, synFor } from "./anti-entropy.js";
export { FrameCodec, type FrameCompression } from "./compression.js";
export {
  COORDINATE_TAG,
  Coordinates,
  coordinateSectionBytes,
  HALF_COORDINATE_TAG,
  payloadCoordinate,
  withCoordinate,
} from "./coordinates.js";
export {
  emptyNodeCounters,
  type NodeCounters,
  type PacketDropReason,
} from "./counters.js";
export { Dissemination } from "./dissemination.js";
export {
  type ClusterEvent,
  decodeTags,
  encodeTags,
  type HealthChangedEvent,
  type KeyChangedEvent,
  type Member,
  type MemberEvent,
  type MemberEventType,
  memberEventType,
  type SharedChangedEvent,
  toMember,
  type UserMessageEvent,
} from "./events.js";
export { ForceLeave, ForceLeaveError, type ForceLeaveErrorCode } from "./force-leave.js";
export { HealthJudge, type HealthState, IsolationWatch, isolationWindow } from "./isolation.js";
export {
  checkSize,
  checkText,
  DEFAULT_INPUT_LIMITS,
  type InputLimits,
  LimitError,
  type LimitedField,
} from "./limits.js";
export { MemberSampler } from "./member-sampler.js";
export { NodeCore, type NodeCoreStatus } from "./node-core.js";
export { type Link, type NodeCoreOptions, type ResolvedTiming, resolveTiming } from "./options.js";
export type { NodeOutput, StreamPurpose } from "./outputs.js";
export { MAX_NAME_BYTES, MIN_BROADCAST_BYTES, PacketBuilder, sizeOf } from "./packet-builder.js";
export {
  emptyProbeRttHistogram,
  observeProbeRtt,
  PROBE_RTT_BOUNDS_MS,
  type ProbeRttHistogram,
} from "./probe-rtt.js";
export { pushPullMessage, seedConverged } from "./push-pull.js";
export { PING_QUERY, Queries } from "./queries.js";
export {
  compileTagPattern,
  MAX_TAG_PATTERN_LENGTH,
  passesQueryFilter,
  TagPatternError,
  type TagPatternProblem,
  tagPatternProblem,
} from "./query-filter.js";
export * from "./query-options.js";
export { RateLimiter } from "./rate-limiter.js";
export { Reconnect } from "./reconnect.js";
export { SeenMessages } from "./seen-messages.js";
export {
  SHARED_DIGEST_ROUNDS,
  SharedSync,
  type SharedSyncHost,
  sharedSyncFor,
} from "./shared-sync.js";
export { type StreamExchange, StreamExchanges } from "./stream-exchanges.js";
export {
  readStreamRefusal,
  type StreamRefusalReason,
  streamRefusal,
} from "./stream-refusal.js";
export {
  DEFAULT_STATS_BUDGET_BYTES_PER_S,
  DEFAULT_STATS_MAX_AGE_MS,
  decodeStats,
  encodeStats,
  MAX_STAT_NAME_BYTES,
  MAX_STATS_NAMES,
  MIN_STATS_FLUSH_INTERVAL_MS,
  STATS_KEY,
  type StatAggregate,
  type StatsRecord,
  Telemetry,
  type TelemetryHost,
  type TelemetryOptions,
} from "./telemetry.js";
export { USER_MESSAGE_MEMORY, USER_MESSAGE_TTL_MS, UserMessages } from "./user-messages.js";
export {
  applyForce,
  type Coordinate,
  DEFAULT_VIVALDI_CONFIG,
  estimateRtt,
  isValidCoordinate,
  MAX_RTT_SECONDS,
  originCoordinate,
  rawDistance,
  VivaldiClient,
  type VivaldiConfig,
} from "./vivaldi.js";
