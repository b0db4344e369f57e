import type { ClusterOptions, Keyring } from "@grapevine/cluster";
import type { HttpAddress } from "./http-address.js";
import type { QueryHandlerConfig } from "./query-handler-config.js";

/** Timing presets of the failure detector (see `@grapevine/swim`). */
export type Preset = "lan" | "wan" | "local";

/** Log levels, most to least verbose, plus `silent`. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export const PRESETS: readonly Preset[] = ["lan", "wan", "local"];

/** Wire protocols (see `@grapevine/cluster`): Grapevine's own, or HashiCorp memberlist's. */
export type Wire = "grapevine" | "memberlist";
/** Every {@link Wire}, in help order. */
export const WIRES: readonly Wire[] = ["grapevine", "memberlist"];
export const LOG_LEVELS: readonly LogLevel[] = [
  "trace",
  "debug",
  "info",
  "warn",
  "error",
  "fatal",
  "silent",
];

/** How an agent with a keyring treats encryption; `off` without one. */
export type EncryptionSetting = "off" | "open-only" | "accept-plaintext" | "required";

export const ENCRYPTION_MODES: readonly Exclude<EncryptionSetting, "off">[] = [
  "open-only",
  "accept-plaintext",
  "required",
];

/** Default longest pause between join attempts, ms (`--join-retry-interval`). */
export const DEFAULT_JOIN_RETRY_INTERVAL_MS = 15_000;

/** Transport schemes the agent can bind. */
export const BIND_SCHEMES = ["udp", "ws", "wss", "ws-client"] as const;

/** A file named by a setting, with how to name that setting in an error message. */
export interface SettingFile {
  readonly path: string;
  /** The flag, variable or config key that named it, e.g. `--http-token-file`. */
  readonly label: string;
}

/** Paths that `--http-open` can serve without a token. */
export type OpenPath = "/health" | "/metrics";

/**
 * Limits that protect the HTTP API from slow and greedy clients (config file `httpLimits`).
 * Durations are ms, sizes bytes.
 */
export interface HttpLimits {
  /** A client must send its whole request head within this long (slowloris), ms. Default 10 s. */
  readonly headerTimeoutMs: number;
  /** A client must send its whole request, body included, within this long, ms. Default 30 s. */
  readonly requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this long, ms. Default 5 s. */
  readonly idleTimeoutMs: number;
  /** Largest request head (request line and headers), bytes. Default 16 KiB. */
  readonly maxHeaderBytes: number;
  /** Largest request body, bytes. Default 1 MiB. */
  readonly maxBodyBytes: number;
  /** State-changing calls a second each client may sustain; 0: no limit. Default 20. */
  readonly writesPerSecond: number;
  /** State-changing calls a client may make at once. Default 40. */
  readonly writeBurst: number;
}

/** Defaults of {@link HttpLimits}. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 1024 * 1024,
  writesPerSecond: 20,
  writeBurst: 40,
};

/** How the HTTP API authenticates callers and protects itself; see the README's "Securing the agent". */
export interface HttpSecurityConfig {
  /** Token file (`{"tokens": [{name, scope, sha256}]}`); without it the API has no tokens. */
  readonly tokenFile: SettingFile | undefined;
  /** Serve a non-loopback address with no tokens and no client certificates anyway. */
  readonly insecure: boolean;
  /** Extra names (`Host` header) the API answers to, lowercase. */
  readonly allowHosts: readonly string[];
  /** Origins of other sites whose pages may call the API (CORS), e.g. `https://ops.example`. */
  readonly allowOrigins: readonly string[];
  /** Paths served without a token even when tokens are configured (default `/health`). */
  readonly open: readonly OpenPath[];
  /** PEM certificate for `--http https://...`. */
  readonly tlsCert: SettingFile | undefined;
  /** PEM private key for `--http https://...`. */
  readonly tlsKey: SettingFile | undefined;
  /** PEM CAs: when set, every client must present a certificate signed by one of them. */
  readonly clientCa: SettingFile | undefined;
  readonly limits: HttpLimits;
}

/** Everything `grapevine agent` runs with, after flags, environment, file and defaults. */
export interface AgentConfig {
  /** Member name, unique in the cluster (default: the host name). */
  readonly name: string;
  /** Transport URLs to listen on, at most one per scheme (default `udp://127.0.0.1:7946`). */
  readonly bind: readonly string[];
  /** Addresses to advertise instead of the bound ones, matched to `bind` by scheme. */
  readonly advertise: readonly string[];
  /** Seed addresses to join through. */
  readonly join: readonly string[];
  /** Give up joining after this long and exit 1, ms; 0 retries for ever (default 0). */
  readonly joinTimeoutMs: number;
  /**
   * How long the keys of a failed member are kept, ms (the cluster's dead-owner grace; default
   * the library's, one hour). Cluster-scoped keys (`config`) outlive every member regardless.
   */
  readonly deadOwnerGraceMs: number | undefined;
  /**
   * Longest pause between join attempts, ms: the pause starts at 250 ms (or this, if shorter)
   * and doubles after each failed attempt up to this (default 15,000).
   */
  readonly joinRetryIntervalMs: number;
  /** Give up joining after this many attempts and exit 1; 0 means no limit (default 0). */
  readonly joinMaxAttempts: number;
  /** Where the local HTTP API listens (default 127.0.0.1:7950); `https` with TLS. */
  readonly http: HttpAddress;
  /** Tokens, TLS, Host/Origin checks and limits of the HTTP API. */
  readonly httpSecurity: HttpSecurityConfig;
  /** Failure-detector timing preset (default `lan`). */
  readonly preset: Preset;
  /**
   * Wire protocol (default `grapevine`); `memberlist` speaks HashiCorp memberlist's protocol on
   * the one `udp://` bind address, to be a member of a Go memberlist cluster.
   */
  readonly wire: Wire;
  /** Node metadata, advertised to every member as cluster tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** Where snapshots are kept; no snapshots without it. */
  readonly dataDir: string | undefined;
  /** Cluster label: members with another label are ignored (default: none). */
  readonly label: string | undefined;
  /**
   * The key given with `--encrypt`, as a one-key {@link Keyring} (which prints as a fingerprint,
   * never as the key). Ignored when the keyring file exists.
   */
  readonly encryptKey: Keyring | undefined;
  /** Keyring file: read at start, created from `encryptKey` if missing, rewritten on rotation. */
  readonly keyringFile: string | undefined;
  /** `off` without a key; otherwise `--encryption` (default `required`). */
  readonly encryption: EncryptionSetting;
  /** Least severe log level written (default `info`). */
  readonly logLevel: LogLevel;
  /** Log pino JSON lines instead of human lines (both on stderr). */
  readonly logJson: boolean;
  /** Serve the web dashboard at `/ui/` on the HTTP API's address (default true; `--no-ui`). */
  readonly ui: boolean;
  /** PEM files for `wss://`: certificate, key and CAs to trust. */
  readonly tls: { readonly cert?: string; readonly key?: string; readonly ca?: string };
  /** Overrides of the preset's failure-detector settings (config file only). */
  readonly swim: NonNullable<ClusterOptions["swim"]>;
  /** Queries answered by running a command (config file only; reloaded on SIGHUP). */
  readonly queryHandlers: readonly QueryHandlerConfig[];
}

/**
 * One layer of raw settings as written by the user: flags, environment or config file. Lists may
 * be given as arrays or comma-separated strings; durations as ms numbers or `5s`-style text.
 */
export interface RawConfig {
  name?: unknown;
  bind?: unknown;
  advertise?: unknown;
  join?: unknown;
  joinTimeout?: unknown;
  deadOwnerGrace?: unknown;
  joinRetryInterval?: unknown;
  joinMaxAttempts?: unknown;
  http?: unknown;
  preset?: unknown;
  wire?: unknown;
  tags?: unknown;
  dataDir?: unknown;
  label?: unknown;
  encrypt?: unknown;
  keyring?: unknown;
  encryption?: unknown;
  logLevel?: unknown;
  logJson?: unknown;
  ui?: unknown;
  tlsCert?: unknown;
  tlsKey?: unknown;
  tlsCa?: unknown;
  swim?: unknown;
  queryHandlers?: unknown;
  httpTokenFile?: unknown;
  httpInsecure?: unknown;
  httpAllowHosts?: unknown;
  httpAllowOrigins?: unknown;
  httpOpen?: unknown;
  httpTlsCert?: unknown;
  httpTlsKey?: unknown;
  httpClientCa?: unknown;
  httpLimits?: unknown;
}
