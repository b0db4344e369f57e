import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { UsageError } from "./errors.js";

/**
 * What an API token may do. Each scope includes the ones before it:
 * - `read`: every `GET` route (members, keys and values, events, info, tags, metrics);
 * - `write`: also changes this node (`PUT`/`DELETE /v1/kv`, `/v1/tags`, `POST /v1/leave`);
 * - `keys`: also every `/v1/keys` route, which makes every member of the cluster act on its
 *   keyring (list, install, use, remove).
 */
export type TokenScope = "read" | "write" | "keys";

/** The scopes, weakest first. */
export const TOKEN_SCOPES: readonly TokenScope[] = ["read", "write", "keys"];

/** True when a token of scope `have` may call a route that needs `need`. */
export function scopeAllows(have: TokenScope, need: TokenScope): boolean {
  return TOKEN_SCOPES.indexOf(have) >= TOKEN_SCOPES.indexOf(need);
}

/** One entry of a token file: the token's name, its scope and the SHA-256 of the token. */
export interface TokenEntry {
  /** Who holds the token; written to the audit log, never the token itself. */
  readonly name: string;
  readonly scope: TokenScope;
  /** SHA-256 of the token's UTF-8 bytes, 64 lowercase hex digits. */
  readonly sha256: string;
}

/** The caller a token identified. */
export interface TokenIdentity {
  readonly name: string;
  readonly scope: TokenScope;
}

/** SHA-256 of a token, hex: what a token file stores instead of the token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * The API tokens an agent accepts, held as SHA-256 hashes only. Checking a token hashes it and
 * compares the hash with every entry in constant time (`crypto.timingSafeEqual`, no early exit),
 * so neither the answer time nor the order of the file tells anything about a valid token.
 */
export class TokenSet {
  private readonly hashes: readonly { readonly hash: Buffer; readonly id: TokenIdentity }[];

  constructor(entries: readonly TokenEntry[]) {
    this.hashes = entries.map((e) => ({
      hash: Buffer.from(e.sha256, "hex"),
      id: { name: e.name, scope: e.scope },
    }));
  }

  /** How many tokens are accepted. */
  get size(): number {
    return this.hashes.length;
  }

  /** The identity of `token`, or undefined when no entry matches. */
  identify(token: string): TokenIdentity | undefined {
    const presented = createHash("sha256").update(token, "utf8").digest();
    let found: TokenIdentity | undefined;
    for (const entry of this.hashes) {
      if (timingSafeEqual(entry.hash, presented) && found === undefined) found = entry.id;
    }
    return found;
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Parses the text of a token file: JSON `{"tokens": [{"name", "scope", "sha256"}, ...]}`.
 * Names are unique (1–64 characters: letters, digits, `.`, `_`, `@`, `-`); scopes are `read`,
 * `write` or `keys`; `sha256` is 64 hex digits. Throws {@link UsageError} that starts with
 * `label` and names the entry at fault; it never quotes a hash.
 *
 * @param label how to name the setting in errors, e.g. `--http-token-file tokens.json`.
 */
export function parseTokenFile(text: string, label: string): TokenEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${label}: not valid JSON (${(err as Error).message})`);
  }
  const list = (data as { tokens?: unknown } | null)?.tokens;
  if (typeof data !== "object" || data === null || Array.isArray(data) || !Array.isArray(list)) {
    throw new UsageError(`${label}: expected {"tokens": [{"name", "scope", "sha256"}, ...]}`);
  }
  const names = new Set<string>();
  const hashes = new Set<string>();
  return list.map((item: unknown, i) => {
    const at = `${label}: tokens[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new UsageError(`${at}: expected {"name", "scope", "sha256"}`);
    }
    const { name, scope, sha256, ...rest } = item as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      const hint = unknown.includes("token")
        ? " (store the token's SHA-256 as sha256, never the token)"
        : "";
      throw new UsageError(`${at}: unknown field ${JSON.stringify(unknown[0])}${hint}`);
    }
    if (typeof name !== "string" || !NAME.test(name)) {
      throw new UsageError(
        `${at}: name must be 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit`,
      );
    }
    if (names.has(name)) throw new UsageError(`${at}: the name ${name} is used twice`);
    names.add(name);
    if (typeof scope !== "string" || !(TOKEN_SCOPES as readonly string[]).includes(scope)) {
      throw new UsageError(`${at} (${name}): scope must be one of ${TOKEN_SCOPES.join(", ")}`);
    }
    const hex = typeof sha256 === "string" ? sha256.trim().toLowerCase() : "";
    if (!SHA256.test(hex)) {
      throw new UsageError(
        `${at} (${name}): sha256 must be 64 hex digits, the SHA-256 of the token (printf %s "$TOKEN" | sha256sum)`,
      );
    }
    if (hashes.has(hex)) throw new UsageError(`${at} (${name}): the same token is listed twice`);
    hashes.add(hex);
    return { name, scope: scope as TokenScope, sha256: hex };
  });
}

/**
 * Reads and parses a token file (see {@link parseTokenFile}). Throws {@link UsageError} naming
 * `label` when the file cannot be read or is not a valid token file.
 */
export function readTokenFile(path: string, label: string): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : (code ?? "unknown error");
    throw new UsageError(`${label}: cannot read (${why})`);
  }
  return parseTokenFile(text, label);
}

/**
 * Reads the token a client sends: the first line of a file, trimmed. Throws {@link UsageError}
 * naming `label` when the file cannot be read or holds no token; never quotes the token.
 */
export function readClientToken(path: string, label: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${label} ${path}: cannot read (${code === "ENOENT" ? "no such file" : (code ?? "unknown error")})`,
    );
  }
  return checkClientToken(text.split(/\r?\n/)[0] ?? "", `${label} ${path}`);
}

/** Checks a token given to a client: non-empty printable ASCII with no spaces. */
export function checkClientToken(token: string, label: string): string {
  const trimmed = token.trim();
  if (trimmed === "") throw new UsageError(`${label}: no token`);
  if (!/^[\x21-\x7e]+$/.test(trimmed)) {
    throw new UsageError(`${label}: a token is printable ASCII with no spaces`);
  }
  return trimmed;
}
