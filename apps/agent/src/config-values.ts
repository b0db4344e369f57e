import { isIP } from "node:net";
import { Keyring, KeyringError } from "@grapevine/cluster";
import { parseAddress } from "@grapevine/transport";
import {
  DEFAULT_HTTP_LIMITS,
  ENCRYPTION_MODES,
  type EncryptionSetting,
  type HttpLimits,
  type OpenPath,
} from "./config-types.js";
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";

export function asString(value: unknown, label: string): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") throw new UsageError(`${label}: expected a string`);
  return value;
}

export function asList(value: unknown, label: string): string[] {
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

export function asCount(value: unknown, label: string): number {
  const text = typeof value === "number" ? String(value) : asString(value, label).trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(
      `${label}: expected a whole number (0 for no limit), got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}

export function asBoolean(value: unknown, label: string): boolean {
  if (typeof value === "boolean") return value;
  const text = asString(value, label).trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off"].includes(text)) return false;
  throw new UsageError(`${label}: expected true or false, got ${JSON.stringify(value)}`);
}

export function asOneOf<T extends string>(value: unknown, label: string, allowed: readonly T[]): T {
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

export function asTags(value: unknown, label: string): Record<string, string> {
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
export function asMode(value: unknown, label: string): Exclude<EncryptionSetting, "off"> {
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
export function asKey(value: unknown, label: string): Keyring {
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

export function schemeOfUrl(url: string): string {
  return url.slice(0, url.indexOf(":"));
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/;

export function asHostName(text: string, label: string): string {
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

export function asOrigin(text: string, label: string): string {
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

export function asOpenPaths(value: unknown, label: string): OpenPath[] {
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

export function asLimits(value: unknown, label: string): HttpLimits {
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
