/**
 * The dashboard's calls to the agent that serves it. The API token, when the agent wants one, is
 * kept in this tab's sessionStorage (gone when the tab closes) and sent as `Authorization: Bearer`
 * — never in a URL, a cookie or the page.
 */

const TOKEN_KEY = "grapevine.dashboard.token";
let memoryToken: string | undefined;

/** The token this tab holds, if any. */
export function currentToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return memoryToken;
  }
}

/** Keeps `token` for this tab (undefined forgets it). */
export function setToken(token: string | undefined): void {
  memoryToken = token;
  try {
    if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage refused (private mode): the token lives in memory until the page reloads.
  }
}

/** The agent wants a (valid) token: the page asks for one. */
export class AuthRequired extends Error {
  constructor(readonly invalid: boolean) {
    super(invalid ? "the token was refused" : "this agent's API needs a token");
  }
}

/** Headers of every data call: the token, and a JSON accept. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = currentToken();
  return token === undefined ? extra : { ...extra, authorization: `Bearer ${token}` };
}

/** GETs a JSON route of the agent; throws {@link AuthRequired} on 401. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, {
    headers: authHeaders({ accept: "application/json" }),
    cache: "no-store",
    credentials: "omit",
    ...(signal === undefined ? {} : { signal }),
  });
  if (res.status === 401) throw new AuthRequired(currentToken() !== undefined);
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as
      | { error?: { message?: string } }
      | undefined;
    throw new Error(body?.error?.message ?? `${path}: HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

/** A member as `GET /v1/overview` lists it. */
export interface MemberRow {
  readonly name: string;
  readonly status: "alive" | "suspect" | "dead" | "left";
  readonly addresses: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly incarnation: number;
  readonly generation: number;
  readonly local: boolean;
  /** ISO time the member entered its status, on the agent's clock. */
  readonly since: string;
  readonly rttMs: number | null;
}

/** `GET /v1/overview`. */
export interface Overview {
  readonly name: string;
  readonly status: string;
  readonly time: string;
  readonly eventIndex: number;
  readonly health: { readonly score: number; readonly state: string };
  readonly members: readonly MemberRow[];
  readonly counters: Readonly<Record<string, number>>;
  readonly keyring: {
    readonly primary: string;
    readonly keys: readonly { readonly fingerprint: string; readonly primary: boolean }[];
  } | null;
}

/** One key of one node, as `GET /v1/kv` lists it. */
export interface KvEntry {
  readonly node: string;
  readonly key: string;
  readonly value: string;
  readonly encoding?: "base64";
  readonly version: number;
  readonly deleted?: boolean;
}

/** One cluster-scoped key, as `GET /v1/config` lists it. */
export interface ConfigEntry {
  readonly key: string;
  readonly value: string;
  readonly encoding?: "base64";
}
