import {
  type AgentConfig,
  BIND_SCHEMES,
  DEFAULT_HTTP_LIMITS,
  DEFAULT_JOIN_RETRY_INTERVAL_MS,
  type EncryptionSetting,
  type HttpSecurityConfig,
  LOG_LEVELS,
  type OpenPath,
  PRESETS,
  type RawConfig,
  type SettingFile,
  WIRES,
} from "./config-types.js";
import {
  asBoolean,
  asCount,
  asHostName,
  asKey,
  asLimits,
  asList,
  asMode,
  asOneOf,
  asOpenPaths,
  asOrigin,
  asString,
  asTags,
  checkGossipUrl,
  schemeOfUrl,
} from "./config-values.js";
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";
import { type HttpAddress, httpUrl, parseHttpAddress } from "./http-address.js";
import { isLoopbackHost, isWildcardHost } from "./http-guard.js";
import { asQueryHandlers } from "./query-handler-config.js";

export * from "./config-types.js";
export { checkGossipUrl, parseTag } from "./config-values.js";

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
  wire: "wire",
  tags: "tags",
  dataDir: "dataDir",
  label: "label",
  encrypt: "encrypt",
  keyring: "keyring",
  encryption: "encryption",
  logLevel: "logLevel",
  logJson: "logJson",
  ui: "ui",
  swim: "swim",
  queryHandlers: "queryHandlers",
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
  GRAPEVINE_WIRE: "wire",
  GRAPEVINE_TAGS: "tags",
  GRAPEVINE_DATA_DIR: "dataDir",
  GRAPEVINE_LABEL: "label",
  GRAPEVINE_ENCRYPT: "encrypt",
  GRAPEVINE_KEYRING: "keyring",
  GRAPEVINE_ENCRYPTION: "encryption",
  GRAPEVINE_LOG_LEVEL: "logLevel",
  GRAPEVINE_LOG_JSON: "logJson",
  GRAPEVINE_UI: "ui",
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
  wire: "--wire",
  tags: "--tag",
  dataDir: "--data-dir",
  label: "--label",
  encrypt: "--encrypt",
  keyring: "--keyring",
  encryption: "--encryption",
  logLevel: "--log-level",
  logJson: "--log-json",
  ui: "--no-ui",
  tlsCert: "--tls-cert",
  tlsKey: "--tls-key",
  tlsCa: "--tls-ca",
  swim: "swim",
  queryHandlers: "queryHandlers",
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

  const wirePick = pick(layers, "wire");
  const wire = wirePick ? asOneOf(wirePick.value, wirePick.label, WIRES) : "grapevine";
  if (wire === "memberlist") checkMemberlistUrls(bind, join, advertise, wirePick?.label ?? "");

  const tags: Record<string, string> = {};
  for (const layer of [...layers].reverse()) {
    const value = layer.values.tags;
    if (value !== undefined) Object.assign(tags, asTags(value, layer.label("tags")));
  }

  const levelPick = pick(layers, "logLevel");
  const logLevel = levelPick ? asOneOf(levelPick.value, levelPick.label, LOG_LEVELS) : "info";
  const jsonPick = pick(layers, "logJson");
  const logJson = jsonPick ? asBoolean(jsonPick.value, jsonPick.label) : false;
  const uiPick = pick(layers, "ui");
  const ui = uiPick ? asBoolean(uiPick.value, uiPick.label) : true;

  const swimPick = pick(layers, "swim");
  let swim: AgentConfig["swim"] = {};
  if (swimPick) {
    if (typeof swimPick.value !== "object" || swimPick.value === null) {
      throw new UsageError(`${swimPick.label}: expected a mapping of failure-detector settings`);
    }
    swim = swimPick.value as AgentConfig["swim"];
  }

  const handlersPick = pick(layers, "queryHandlers");
  const queryHandlers = handlersPick ? asQueryHandlers(handlersPick.value, handlersPick.label) : [];

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
    wire,
    tags,
    dataDir: dataDir === undefined || dataDir === "" ? undefined : dataDir,
    label,
    encryptKey,
    keyringFile,
    encryption,
    logLevel,
    logJson,
    ui,
    tls,
    swim,
    queryHandlers,
  };
}

/** memberlist's wire: one `udp://` bind address, `udp://` seeds, no advertised addresses. */
function checkMemberlistUrls(bind: string[], join: string[], advertise: string[], wire: string) {
  const notUdp = [...bind, ...join].find((u) => schemeOfUrl(u) !== "udp");
  if (bind.length !== 1 || notUdp !== undefined || advertise.length > 0) {
    throw new UsageError(
      `${wire} memberlist: needs exactly one udp:// --bind address, udp:// --join seeds and no --advertise${notUdp ? ` (got ${notUdp})` : ""}`,
    );
  }
}

function settingFile(layers: readonly Layer[], field: Field): SettingFile | undefined {
  const p = pick(layers, field);
  if (p === undefined) return undefined;
  const path = asString(p.value, p.label).trim();
  if (path === "") return undefined;
  return { path, label: p.label };
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
