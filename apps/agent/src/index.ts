/**
 * `@grapevine/agent`: the reference agent as a library, for embedding or testing. The `grapevine`
 * command (src/cli.ts) is the usual way to run it.
 */
export { Agent, type AgentStartOptions } from "./agent.js";
export { AgentClient } from "./client.js";
export {
  type AgentConfig,
  type ConfigSources,
  ENV_VARS,
  type LogLevel,
  type Preset,
  type RawConfig,
  resolveConfig,
} from "./config.js";
export { readConfigFile } from "./config-file.js";
export { RuntimeError, UsageError } from "./errors.js";
export {
  type ApiErrorBody,
  type ApiHost,
  type ApiOptions,
  type AuditEntry,
  HttpApi,
  MAX_BODY_BYTES,
  routeRule,
} from "./http-api.js";
export { type GuardOptions, HttpGuard, isSimpleRequest } from "./http-guard.js";
export {
  hashToken,
  parseTokenFile,
  readTokenFile,
  type TokenEntry,
  type TokenScope,
  TokenSet,
} from "./http-tokens.js";
export {
  type JoinOutcome,
  type JoinRetryOptions,
  joinWithRetry,
  type SeedFailure,
} from "./join.js";
export { createLogger } from "./logger.js";
export { createMetrics } from "./metrics.js";
export { runCli } from "./program.js";
export { RateLimiter } from "./rate-limit.js";
export {
  type LookupAddress,
  type LookupAll,
  type ResolvedSeed,
  resolveSeeds,
  systemLookup,
} from "./seed-resolver.js";
export {
  type AgentSnapshot,
  decodeSnapshot,
  encodeSnapshot,
  readSnapshot,
  SNAPSHOT_FILE,
  writeSnapshot,
} from "./snapshot.js";
export { AGENT_VERSION } from "./version.js";
