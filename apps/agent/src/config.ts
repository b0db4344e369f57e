import { isIP } from "node:net";
import { type ClusterOptions, Keyring, KeyringError } from "@grapevine/cluster";
import { parseAddress } from "@grapevine/transport";
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";
import { type HttpAddress, httpUrl, parseHttpAddress } from "./http-address.js";
import { isLoopbackHost, isWildcardHost } from "./http-guard.js";

/** Timing presets of the failure detector (see `@grapevine/swim`). */
export type Preset = "lan" | "wan" | "local";

/** Log levels, most to least verbose, plus `silent`. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

const PRESETS: readonly Preset[] = ["lan", "wan", "local"];
const LOG_LEVELS: readonly LogLevel[] = [
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

const ENCRYPTION_MODES: readonly Exclude<EncryptionSetting, "off">[] = [
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
  /** PEM files for `wss://`: certificate, key and CAs to trust. */
  readonly tls: { readonly cert?: string; readonly key?: string; readonly ca?: string };
  /** Overrides of the preset's failure-detector settings (config file only). */
  readonly swim: NonNullable<ClusterOptions["swim"]>;
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
  tags?: unknown;
  dataDir?: unknown;
  label?: unknown;
  encrypt?: unknown;
  keyring?: unknown;
  encryption?: unknown;
  logLevel?: unknown;
  logJson?: unknown;
  tlsCert?: unknown;
  tlsKey?: unknown;
  tlsCa?: unknown;
  swim?: unknown;
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

type Field = keyof RawConfig;

/** Config-file keys (camelCase) and the fields they set. */
const FILE_KEYS: Readonly<Record<string, Field>> = {
  name: "name",
  bind: "bind",
  advertise: "advertise",
  join: "join",
  joinTimeout: "joinTimeout",
  deadOwnerGrace: "deadOwnerGrace",
  joinRetryInterval: "joinRetryInterval",
  joinMaxAttempts: "joinMaxAttempts",
  http: "http",
  preset: "preset",
  tags: "tags",
  dataDir: "dataDir",
  label: "label",
  encrypt: "encrypt",
  keyring: "keyring",
  encryption: "encryption",
  logLevel: "logLevel",
  logJson: "logJson",
  swim: "swim",
  httpTokenFile: "httpTokenFile",
  httpInsecure: "httpInsecure",
  httpAllowHosts: "httpAllowHosts",
  httpAllowOrigins: "httpAllowOrigins",
  httpOpen: "httpOpen",
  httpTlsCert: "httpTlsCert",
  httpTlsKey: "httpTlsKey",
  httpClientCa: "httpClientCa",
  httpLimits: "httpLimits",
};

/** Environment variables and the fields they set. */
export const ENV_VARS: Readonly<Record<string, Field>> = {
  GRAPEVINE_NAME: "name",
  GRAPEVINE_BIND: "bind",
  GRAPEVINE_ADVERTISE: "advertise",
  GRAPEVINE_JOIN: "join",
  GRAPEVINE_JOIN_TIMEOUT: "joinTimeout",
  GRAPEVINE_DEAD_OWNER_GRACE: "deadOwnerGrace",
  GRAPEVINE_JOIN_RETRY_INTERVAL: "joinRetryInterval",
  GRAPEVINE_JOIN_MAX_ATTEMPTS: "joinMaxAttempts",
  GRAPEVINE_HTTP: "http",
  GRAPEVINE_PRESET: "preset",
  GRAPEVINE_TAGS: "tags",
  GRAPEVINE_DATA_DIR: "dataDir",
  GRAPEVINE_LABEL: "label",
  GRAPEVINE_ENCRYPT: "encrypt",
  GRAPEVINE_KEYRING: "keyring",
  GRAPEVINE_ENCRYPTION: "encryption",
  GRAPEVINE_LOG_LEVEL: "logLevel",
  GRAPEVINE_LOG_JSON: "logJson",
  GRAPEVINE_TLS_CERT: "tlsCert",
  GRAPEVINE_TLS_KEY: "tlsKey",
  GRAPEVINE_TLS_CA: "tlsCa",
  GRAPEVINE_HTTP_TOKEN_FILE: "httpTokenFile",
  GRAPEVINE_HTTP_INSECURE: "httpInsecure",
  GRAPEVINE_HTTP_ALLOW_HOSTS: "httpAllowHosts",
  GRAPEVINE_HTTP_ALLOW_ORIGINS: "httpAllowOrigins",
  GRAPEVINE_HTTP_OPEN: "httpOpen",
  GRAPEVINE_HTTP_TLS_CERT: "httpTlsCert",
  GRAPEVINE_HTTP_TLS_KEY: "httpTlsKey",
  GRAPEVINE_HTTP_CLIENT_CA: "httpClientCa",
};

const FLAGS: Readonly<Record<Field, string>> = {
  name: "--name",
  bind: "--bind",
  advertise: "--advertise",
  join: "--join",
  joinTimeout: "--join-timeout",
  deadOwnerGrace: "--dead-owner-grace",
  joinRetryInterval: "--join-retry-interval",
  joinMaxAttempts: "--join-max-attempts",
  http: "--http",
  preset: "--preset",
  tags: "--tag",
  dataDir: "--data-dir",
  label: "--label",
  encrypt: "--encrypt",
  keyring: "--keyring",
  encryption: "--encryption",
  logLevel: "--log-level",
  logJson: "--log-json",
  tlsCert: "--tls-cert",
  tlsKey: "--tls-key",
  tlsCa: "--tls-ca",
  swim: "swim",
  httpTokenFile: "--http-token-file",
  httpInsecure: "--http-insecure",
  httpAllowHosts: "--http-allow-host",
  httpAllowOrigins: "--http-allow-origin",
  httpOpen: "--http-open",
  httpTlsCert: "--http-tls-cert",
  httpTlsKey: "--http-tls-key",
  httpClientCa: "--http-client-ca",
  httpLimits: "httpLimits",
};

/** Where the settings come from, highest precedence first: flags > env > file > defaults. */
export interface ConfigSources {
  /** Flags as parsed from the command line (absent flags left out or `undefined`). */
  readonly flags: RawConfig;
  /** The process environment; only `GRAPEVINE_*` variables are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The parsed config file, if one was given. */
  readonly file?: { readonly path: string; readonly data: unknown };
  /** Default member name. */
  readonly hostname: string;
}

interface Layer {
  readonly values: RawConfig;
  /** How to name a field of this layer in an error message. */
  readonly label: (field: Field) => string;
}

function envLayer(env: ConfigSources["env"]): Layer {
  const values: RawConfig = {};
  const names: Partial<Record<Field, string>> = {};
  for (const [variable, field] of Object.entries(ENV_VARS)) {
    const v = env[variable];
    if (v === undefined || v === "") continue;
    values[field] = v;
    names[field] = variable;
  }
  return { values, label: (f) => names[f] ?? f };
}

function fileLayer(file: NonNullable<ConfigSources["file"]>): Layer {
  const label = (f: Field) =>
    `config file ${file.path}: ${f.startsWith("tls") ? `tls.${f.slice(3).toLowerCase()}` : f}`;
  if (file.data === null || file.data === undefined) return { values: {}, label };
  if (typeof file.data !== "object" || Array.isArray(file.data)) {
    throw new UsageError(`config file ${file.path}: expected a mapping of settings at the top`);
  }
  const values: RawConfig = {};
  for (const [key, value] of Object.entries(file.data)) {
    if (key === "tls") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new UsageError(`config file ${file.path}: tls must be a mapping (cert, key, ca)`);
      }
      for (const [k, v] of Object.entries(value)) {
        if (k === "cert") values.tlsCert = v;
        else if (k === "key") values.tlsKey = v;
        else if (k === "ca") values.tlsCa = v;
        else throw new UsageError(`config file ${file.path}: unknown key tls.${k}`);
      }
      continue;
    }
    const field = FILE_KEYS[key];
    if (field === undefined) {
      throw new UsageError(
        `config file ${file.path}: unknown key ${JSON.stringify(key)} (known: ${[...Object.keys(FILE_KEYS), "tls"].join(", ")})`,
      );
    }
    values[field] = value;
  }
  return { values, label };
}

function pick(
  layers: readonly Layer[],
  field: Field,
): { value: unknown; label: string } | undefined {
  for (const layer of layers) {
    const value = layer.values[field];
    if (value !== undefined) return { value, label: layer.label(field) };
  }
  return undefined;
}

function asString(value: unknown, label: string): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") throw new UsageError(`${label}: expected a string`);
  return value;
}

function asList(value: unknown, label: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of items) {
    for (const part of asString(item, label).split(",")) {
      const trimmed = part.trim();
      if (trimmed !== "") out.push(trimmed);
    }
  }
  return out;
}

function asCount(value: unknown, label: string): number {
  const text = typeof value === "number" ? String(value) : asString(value, label).trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(
      `${label}: expected a whole number (0 for no limit), got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}

function asBoolean(value: unknown, label: string): boolean {
  if (typeof value === "boolean") return value;
  const text = asString(value, label).trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off"].includes(text)) return false;
  throw new UsageError(`${label}: expected true or false, got ${JSON.stringify(value)}`);
}

function asOneOf<T extends string>(value: unknown, label: string, allowed: readonly T[]): T {
  const text = asString(value, label);
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(
      `${label}: expected one of ${allowed.join(", ")}, got ${JSON.stringify(text)}`,
    );
  }
  return text as T;
}

/** Parses `k=v` tag text; keys are non-empty, values may be empty. */
export function parseTag(text: string, label: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`${label}: expected KEY=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

function asTags(value: unknown, label: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) out[k] = asString(v, `${label}.${k}`);
    return out;
  }
  for (const item of asList(value, label)) {
    const [k, v] = parseTag(item, label);
    out[k] = v;
  }
  return out;
}

/** Parses an encryption mode; the error does not echo the value (it could be a misplaced key). */
function asMode(value: unknown, label: string): Exclude<EncryptionSetting, "off"> {
  const text = typeof value === "string" ? value.trim() : value;
  const mode = ENCRYPTION_MODES.find((m) => m === text);
  if (mode === undefined) {
    throw new UsageError(`${label}: expected one of ${ENCRYPTION_MODES.join(", ")}`);
  }
  return mode;
}

/**
 * Parses the `--encrypt` key (standard base64 of 16, 24 or 32 bytes) into a one-key keyring.
 * The error names the setting and never quotes the key, not even part of it.
 */
function asKey(value: unknown, label: string): Keyring {
  if (typeof value !== "string") throw new UsageError(`${label}: expected a base64 key`);
  try {
    return new Keyring([value.trim()]);
  } catch (err) {
    const why =
      err instanceof KeyringError
        ? err.message.replace(/^key 0 /, "the key ")
        : "the key is not a valid key";
    throw new UsageError(`${label}: ${why} (generate one with: openssl rand -base64 32)`);
  }
}

/**
 * Checks a gossip address URL and returns its canonical form.
 *
 * @param schemes the schemes accepted here.
 */
export function checkGossipUrl(url: string, label: string, schemes: readonly string[]): string {
  let parsed: ReturnType<typeof parseAddress>;
  try {
    parsed = url === "ws-client://" ? { ...parseAddress("ws-client://x"), url } : parseAddress(url);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^invalid address "[^"]*": /, "") : "";
    throw new UsageError(`${label}: bad URL ${JSON.stringify(url)}: ${why}`);
  }
  if (!schemes.includes(parsed.scheme)) {
    throw new UsageError(
      `${label}: unsupported scheme in ${JSON.stringify(url)} (expected ${schemes.map((s) => `${s}://`).join(", ")})`,
    );
  }
  return parsed.url;
}

function schemeOfUrl(url: string): string {
  return url.slice(0, url.indexOf(":"));
}

/**
 * Resolves the agent's configuration from its sources. Precedence is flags, then `GRAPEVINE_*`
 * environment variables, then the config file, then defaults; lists (bind, join, advertise)
 * replace each other whole, tags merge key by key. Throws {@link UsageError} naming the flag,
 * variable or file key of the first bad value.
 */
export function resolveConfig(sources: ConfigSources): AgentConfig {
  const flags: Layer = { values: sources.flags, label: (f) => FLAGS[f] };
  const layers: Layer[] = [flags, envLayer(sources.env)];
  if (sources.file) layers.push(fileLayer(sources.file));

  const str = (field: Field): string | undefined => {
    const p = pick(layers, field);
    return p === undefined ? undefined : asString(p.value, p.label);
  };

  const name = (str("name") ?? sources.hostname).trim();
  if (name === "") throw new UsageError(`${FLAGS.name}: the member name may not be empty`);

  const bindPick = pick(layers, "bind");
  const bind = bindPick
    ? asList(bindPick.value, bindPick.label).map((u) =>
        checkGossipUrl(u, bindPick.label, BIND_SCHEMES),
      )
    : ["udp://127.0.0.1:7946"];
  if (bind.length === 0) throw new UsageError(`${bindPick?.label ?? "--bind"}: no address given`);
  const seen = new Set<string>();
  for (const url of bind) {
    const scheme = schemeOfUrl(url) === "wss" ? "ws" : schemeOfUrl(url);
    if (seen.has(scheme)) {
      throw new UsageError(
        `${bindPick?.label ?? "--bind"}: one address per transport, got two ${scheme} addresses`,
      );
    }
    seen.add(scheme);
  }

  const advPick = pick(layers, "advertise");
  const advertise = advPick
    ? asList(advPick.value, advPick.label).map((u) =>
        checkGossipUrl(u, advPick.label, BIND_SCHEMES),
      )
    : [];
  for (const url of advertise) {
    const scheme = schemeOfUrl(url);
    if (!bind.some((b) => schemeOfUrl(b) === scheme)) {
      throw new UsageError(
        `${advPick?.label ?? "--advertise"}: ${url} matches no --bind address (same scheme needed)`,
      );
    }
  }

  const joinPick = pick(layers, "join");
  const join = joinPick
    ? asList(joinPick.value, joinPick.label).map((u) =>
        checkGossipUrl(u, joinPick.label, ["udp", "ws", "wss"]),
      )
    : [];

  const jt = pick(layers, "joinTimeout");
  const joinTimeoutMs = jt
    ? parseDuration(
        typeof jt.value === "number" ? jt.value : asString(jt.value, jt.label),
        jt.label,
      )
    : 0;

  const dog = pick(layers, "deadOwnerGrace");
  const deadOwnerGraceMs = dog
    ? parseDuration(
        typeof dog.value === "number" ? dog.value : asString(dog.value, dog.label),
        dog.label,
      )
    : undefined;

  const jri = pick(layers, "joinRetryInterval");
  const joinRetryIntervalMs = jri
    ? parseDuration(
        typeof jri.value === "number" ? jri.value : asString(jri.value, jri.label),
        jri.label,
      )
    : DEFAULT_JOIN_RETRY_INTERVAL_MS;
  if (joinRetryIntervalMs <= 0) {
    throw new UsageError(`${jri?.label ?? "--join-retry-interval"}: must be more than 0`);
  }
  const jma = pick(layers, "joinMaxAttempts");
  const joinMaxAttempts = jma ? asCount(jma.value, jma.label) : 0;

  const httpPick = pick(layers, "http");
  const http = httpPick
    ? parseHttpAddress(asString(httpPick.value, httpPick.label), httpPick.label)
    : { host: "127.0.0.1", port: 7950 };
  const httpSecurity = resolveHttpSecurity(layers, http, httpPick?.label ?? "--http");

  const presetPick = pick(layers, "preset");
  const preset = presetPick ? asOneOf(presetPick.value, presetPick.label, PRESETS) : "lan";

  const tags: Record<string, string> = {};
  for (const layer of [...layers].reverse()) {
    const value = layer.values.tags;
    if (value !== undefined) Object.assign(tags, asTags(value, layer.label("tags")));
  }

  const levelPick = pick(layers, "logLevel");
  const logLevel = levelPick ? asOneOf(levelPick.value, levelPick.label, LOG_LEVELS) : "info";
  const jsonPick = pick(layers, "logJson");
  const logJson = jsonPick ? asBoolean(jsonPick.value, jsonPick.label) : false;

  const swimPick = pick(layers, "swim");
  let swim: AgentConfig["swim"] = {};
  if (swimPick) {
    if (typeof swimPick.value !== "object" || swimPick.value === null) {
      throw new UsageError(`${swimPick.label}: expected a mapping of failure-detector settings`);
    }
    swim = swimPick.value as AgentConfig["swim"];
  }

  const tls: { cert?: string; key?: string; ca?: string } = {};
  const cert = str("tlsCert");
  const key = str("tlsKey");
  const ca = str("tlsCa");
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  if (ca !== undefined) tls.ca = ca;
  if (
    bind.some((b) => b.startsWith("wss://")) &&
    (tls.cert === undefined || tls.key === undefined)
  ) {
    throw new UsageError("--bind wss://...: needs --tls-cert and --tls-key");
  }

  const dataDir = str("dataDir");
  const label = str("label");

  const encryptPick = pick(layers, "encrypt");
  const encryptKey =
    encryptPick === undefined || encryptPick.value === ""
      ? undefined
      : asKey(encryptPick.value, encryptPick.label);
  const keyringText = str("keyring");
  const keyringFile = keyringText === undefined || keyringText === "" ? undefined : keyringText;
  const modePick = pick(layers, "encryption");
  let encryption: EncryptionSetting = "off";
  if (encryptKey !== undefined || keyringFile !== undefined) {
    encryption = modePick ? asMode(modePick.value, modePick.label) : "required";
  } else if (modePick !== undefined) {
    throw new UsageError(`${modePick.label}: needs a key (--encrypt KEY or --keyring FILE)`);
  }
  return {
    name,
    bind,
    advertise,
    join,
    joinTimeoutMs,
    deadOwnerGraceMs,
    joinRetryIntervalMs,
    joinMaxAttempts,
    http,
    httpSecurity,
    preset,
    tags,
    dataDir: dataDir === undefined || dataDir === "" ? undefined : dataDir,
    label,
    encryptKey,
    keyringFile,
    encryption,
    logLevel,
    logJson,
    tls,
    swim,
  };
}

function settingFile(layers: readonly Layer[], field: Field): SettingFile | undefined {
  const p = pick(layers, field);
  if (p === undefined) return undefined;
  const path = asString(p.value, p.label).trim();
  if (path === "") return undefined;
  return { path, label: p.label };
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/;

function asHostName(text: string, label: string): string {
  const host = text
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0) return host;
  if (!HOST_NAME.test(host)) {
    throw new UsageError(
      `${label}: expected a host name or IP address without port or scheme, got ${JSON.stringify(text)}`,
    );
  }
  return host.replace(/\.$/, "");
}

function asOrigin(text: string, label: string): string {
  const given = text.trim();
  if (given === "*") {
    throw new UsageError(
      `${label}: "*" would let every web page call the API; list origins one by one`,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    given.replace(/\/$/, "").toLowerCase() !== url.origin
  ) {
    throw new UsageError(
      `${label}: expected an origin such as https://ops.example or http://localhost:3000 (scheme, host and port only), got ${JSON.stringify(text)}`,
    );
  }
  return url.origin;
}

function asOpenPaths(value: unknown, label: string): OpenPath[] {
  const out = new Set<OpenPath>();
  for (const item of asList(value, label)) {
    const path = item.startsWith("/") ? item : `/${item}`;
    if (item === "none") continue;
    if (path !== "/health" && path !== "/metrics") {
      throw new UsageError(
        `${label}: expected /health, /metrics or none, got ${JSON.stringify(item)}`,
      );
    }
    out.add(path);
  }
  return [...out];
}

const LIMIT_KEYS: Readonly<Record<string, { field: keyof HttpLimits; kind: "ms" | "count" }>> = {
  headerTimeout: { field: "headerTimeoutMs", kind: "ms" },
  requestTimeout: { field: "requestTimeoutMs", kind: "ms" },
  idleTimeout: { field: "idleTimeoutMs", kind: "ms" },
  maxHeaderBytes: { field: "maxHeaderBytes", kind: "count" },
  maxBodyBytes: { field: "maxBodyBytes", kind: "count" },
  writesPerSecond: { field: "writesPerSecond", kind: "count" },
  writeBurst: { field: "writeBurst", kind: "count" },
};

function asLimits(value: unknown, label: string): HttpLimits {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${label}: expected a mapping (${Object.keys(LIMIT_KEYS).join(", ")})`);
  }
  const limits: Record<keyof HttpLimits, number> = { ...DEFAULT_HTTP_LIMITS };
  for (const [key, raw] of Object.entries(value)) {
    const spec = LIMIT_KEYS[key];
    if (spec === undefined) {
      throw new UsageError(
        `${label}: unknown key ${JSON.stringify(key)} (known: ${Object.keys(LIMIT_KEYS).join(", ")})`,
      );
    }
    const n =
      spec.kind === "ms"
        ? parseDuration(
            typeof raw === "number" ? raw : asString(raw, `${label}.${key}`),
            `${label}.${key}`,
          )
        : typeof raw === "number"
          ? raw
          : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 0 || (spec.kind === "ms" && n === 0)) {
      throw new UsageError(
        `${label}.${key}: expected ${spec.kind === "ms" ? "a positive duration" : "a whole number, 0 or more"}`,
      );
    }
    limits[spec.field] = n;
  }
  if (limits.maxHeaderBytes < 1024) {
    throw new UsageError(`${label}.maxHeaderBytes: at least 1024 bytes`);
  }
  return limits;
}

/**
 * Resolves the HTTP API's security settings and enforces the safe default: an API reachable from
 * other hosts needs tokens or client certificates, unless `--http-insecure` says otherwise.
 */
function resolveHttpSecurity(
  layers: readonly Layer[],
  http: HttpAddress,
  httpLabel: string,
): HttpSecurityConfig {
  const tokenFile = settingFile(layers, "httpTokenFile");
  const insecurePick = pick(layers, "httpInsecure");
  const insecure = insecurePick ? asBoolean(insecurePick.value, insecurePick.label) : false;
  const hostsPick = pick(layers, "httpAllowHosts");
  const allowHosts = hostsPick
    ? asList(hostsPick.value, hostsPick.label).map((h) => asHostName(h, hostsPick.label))
    : [];
  const originsPick = pick(layers, "httpAllowOrigins");
  const allowOrigins = originsPick
    ? asList(originsPick.value, originsPick.label).map((o) => asOrigin(o, originsPick.label))
    : [];
  const openPick = pick(layers, "httpOpen");
  const open: OpenPath[] = openPick ? asOpenPaths(openPick.value, openPick.label) : ["/health"];
  const tlsCert = settingFile(layers, "httpTlsCert");
  const tlsKey = settingFile(layers, "httpTlsKey");
  const clientCa = settingFile(layers, "httpClientCa");
  const limitsPick = pick(layers, "httpLimits");
  const limits = limitsPick ? asLimits(limitsPick.value, limitsPick.label) : DEFAULT_HTTP_LIMITS;

  if (http.scheme === "https") {
    if (tlsCert === undefined || tlsKey === undefined) {
      throw new UsageError(
        `${httpLabel} ${httpUrl(http)}: HTTPS needs --http-tls-cert FILE and --http-tls-key FILE`,
      );
    }
  } else {
    const tlsOnly = tlsCert ?? tlsKey ?? clientCa;
    if (tlsOnly !== undefined) {
      throw new UsageError(
        `${tlsOnly.label}: the HTTP API is plain HTTP; use --http https://HOST:PORT to serve it over TLS`,
      );
    }
  }
  const exposed = !isLoopbackHost(http.host);
  if (exposed && tokenFile === undefined && clientCa === undefined && !insecure) {
    const where = isWildcardHost(http.host) ? "every address of this host" : http.host;
    throw new UsageError(
      `${httpLabel} ${httpUrl(http)}: the HTTP API would be open to anyone who can reach ${where}, with no authentication. ` +
        'Give it API tokens (--http-token-file FILE, see the README\'s "Securing the agent") or client certificates (--http https://... --http-client-ca FILE), ' +
        "keep it on loopback (--http 127.0.0.1:7950), or pass --http-insecure if something in front of it authenticates callers",
    );
  }
  return {
    tokenFile,
    insecure,
    allowHosts,
    allowOrigins,
    open,
    tlsCert,
    tlsKey,
    clientCa,
    limits,
  };
}
