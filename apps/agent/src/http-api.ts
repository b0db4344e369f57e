import type { IncomingMessage, ServerResponse } from "node:http";
import type { Cluster } from "@grapevine/cluster";
import type { Registry } from "prom-client";
import { Counter } from "prom-client";
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";
import type { Caller, HttpGuard, Refusal, RefusalReason, RouteRule } from "./http-guard.js";
import { KeyOpError, type KeyOpName, type KeyOpOptions, type KeyOpReport } from "./key-ops.js";
import type { RateLimiter } from "./rate-limit.js";
import { configRoute, statsRoute } from "./routes-shared.js";
import { streamEvents } from "./sse.js";
import { memberView, valueView } from "./views.js";

/** Largest request body accepted, bytes; larger ones get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

const STATUSES = new Set(["alive", "suspect", "dead", "left"]);

/** What the HTTP API needs from the agent that serves it. */
export interface ApiHost {
  readonly cluster: Cluster;
  /** The agent's own Prometheus registry. */
  readonly registry: Registry;
  /** Everything `GET /v1/info` reports. */
  info(): Record<string, unknown>;
  /** This node's current tags. */
  tags(): Readonly<Record<string, string>>;
  /** Replaces this node's tags. */
  setTags(tags: Readonly<Record<string, string>>): void;
  /** Called after a local key was written, before the API answers (the snapshot flush). */
  afterLocalWrite(): void;
  /** Leaves the cluster gracefully; resolves once the leave has had time to spread. */
  leave(): Promise<void>;
  /**
   * Runs a keyring operation on the whole cluster; throws `KeyOpError` when it is refused before
   * anything is sent.
   */
  keyOp(op: KeyOpName, key: string | undefined, options: KeyOpOptions): Promise<KeyOpReport>;
}

/** Default time a key operation waits for answers, ms. */
export const DEFAULT_KEY_TIMEOUT_MS = 5000;
/** Longest time a key operation may wait for answers, ms. */
export const MAX_KEY_TIMEOUT_MS = 60_000;

/**
 * The one error body of every route: `{"error": {"code", "message", ...details}}`. `code` is
 * stable (clients may branch on it); `message` is for people; details depend on the code
 * (`too-large`: `limit` and `actual` bytes; `forbidden`: `scope` and `required`;
 * `method-not-allowed`: `allow`; `rate-limited`: `retryAfterMs`).
 */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string } & Record<string, unknown>;
}

/** Stable error codes for the statuses the routes answer with. */
const CODES: Readonly<Record<number, string>> = {
  400: "bad-request",
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  405: "method-not-allowed",
  409: "conflict",
  413: "too-large",
  421: "host-not-allowed",
  429: "rate-limited",
  500: "internal",
  502: "bad-gateway",
  503: "unavailable",
};

/** A request failed in a way the client should hear about, with an HTTP status. */
export class HttpError extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details: Record<string, unknown> = {},
    code?: string,
  ) {
    super(message);
    this.code = code ?? CODES[status] ?? "error";
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: HttpError): void {
  const body: ApiErrorBody = { error: { code: err.code, message: err.message, ...err.details } };
  sendJson(res, err.status, body, err.headers);
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    throw new HttpError(413, `request body over ${limit} bytes`, {}, { limit, actual: declared });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`, {}, { limit });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

export function isJson(req: IncomingMessage): boolean {
  return /^application\/json\b/i.test(req.headers["content-type"] ?? "");
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `bad URL encoding in ${JSON.stringify(segment)}`);
  }
}

export function methodNotAllowed(allowed: readonly string[]): never {
  const allow = allowed.join(", ");
  throw new HttpError(405, "method not allowed", { allow }, { allow: allowed });
}

export function assertRunning(cluster: Cluster): void {
  if (cluster.status !== "running") {
    throw new HttpError(503, `agent is ${cluster.status}: no more changes accepted`);
  }
}

function entryOf(cluster: Cluster, node: string, key: string) {
  return cluster.entries(node).find((e) => e.key === key);
}

/** The result of `routes`: an answer given, or an event stream opened. */
export type Outcome = "done" | "stream";

/** One line of the audit log: a state-changing call, who made it and how it ended. */
export interface AuditEntry {
  /** `token:NAME`, `cert:SUBJECT` or `anonymous`; never the token. */
  readonly who: string;
  /** The client's address. */
  readonly remote: string;
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  /** The HTTP status answered (0 when the client went away first). */
  readonly status: number;
  /** The error code, when the call failed. */
  readonly error?: string;
  /** Time to answer, ms. */
  readonly ms: number;
}

/** How the API protects itself; see {@link HttpGuard} for the checks. */
export interface ApiOptions {
  /** Host, Origin, token and simple-request checks. */
  readonly guard: HttpGuard;
  /** Per-client limit on state-changing and cluster-wide calls. */
  readonly writeLimiter: RateLimiter;
  /** Largest request body accepted, bytes (default {@link MAX_BODY_BYTES}). */
  readonly maxBodyBytes?: number;
  /** Called once for every state-changing call, when it is answered. */
  readonly audit: (entry: AuditEntry) => void;
  /** The clock of the rate limiter, ms (default `Date.now`). */
  readonly now?: () => number;
}

const READ: RouteRule = { scope: "read", changes: false, costly: false };
const WRITE: RouteRule = { scope: "write", changes: true, costly: false };

/**
 * What a route needs, from its method and path alone (before any body is read). `/health` and
 * `/metrics` need `read` unless the agent serves them open (`--http-open`). Unknown routes
 * and methods need `read`, so that a caller without a token learns nothing, not even which
 * routes exist; with one, they answer 404 or 405.
 */
export function routeRule(method: string, parts: readonly string[]): RouteRule {
  const [first, resource, ...rest] = parts;
  if (first !== "v1") return READ;
  const changing = method === "PUT" || method === "DELETE" || method === "POST";
  if (resource === "keys" && rest.length <= 1) {
    // Decoded as the router decodes it, so that no spelling of an operation escapes its rule.
    let op: string | undefined;
    try {
      op = rest[0] === undefined ? undefined : decodeURIComponent(rest[0]);
    } catch {
      op = "";
    }
    const isOp = op === "install" || op === "use" || op === "remove";
    return { scope: "keys", changes: changing && (op === undefined || isOp), costly: true };
  }
  if (!changing) return READ;
  if (resource === "kv" && rest.length === 1 && method !== "POST") return WRITE;
  if (resource === "tags" && rest.length === 0 && method !== "POST") return WRITE;
  if (resource === "config" && rest.length >= 1 && method !== "POST") return WRITE;
  if (resource === "leave" && rest.length === 0 && method === "POST") return WRITE;
  return READ;
}

/** Methods and headers a browser page of an allowed origin may use (CORS preflight answer). */
const CORS_METHODS = "GET, PUT, DELETE, POST";
const CORS_HEADERS = "authorization, content-type, x-grapevine-request";

/**
 * The agent's HTTP API as a `node:http` request handler: JSON in and out, the
 * {@link ApiErrorBody} with a fitting status on failure, 404 for unknown routes, 405 for wrong
 * methods, 413 for bodies over the limit. Every request first passes the {@link HttpGuard}
 * (Host, Origin, token and scope, no simple state-changing requests), then, if it changes state
 * or makes the cluster work, the per-client rate limit; state-changing calls are audited. Routes
 * are listed in the README.
 */
export class HttpApi {
  private readonly streams = new Set<() => void>();
  private readonly refused: Counter<"reason">;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly host: ApiHost,
    private readonly options: ApiOptions,
  ) {
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.refused = new Counter({
      name: "grapevine_http_refused_total",
      help: "HTTP API requests refused before their route ran, by reason (host, origin, missing-token, invalid-token, insufficient-scope, simple-request, rate-limited).",
      labelNames: ["reason"],
      registers: [host.registry],
    });
    for (const reason of [
      "host",
      "origin",
      "missing-token",
      "invalid-token",
      "insufficient-scope",
      "simple-request",
      "rate-limited",
    ] satisfies RefusalReason[]) {
      this.refused.inc({ reason }, 0);
    }
  }

  /** Handles one request. Never throws. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    let audited: { who: string; path: string } | undefined;
    let errorCode: string | undefined;
    this.serve(req, res, (who, path) => {
      audited = { who, path };
    })
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const failure =
          err instanceof HttpError
            ? err
            : new HttpError(500, err instanceof Error ? err.message : String(err));
        errorCode = failure.code;
        sendError(res, failure);
        if (failure.status === 413) req.resume();
      })
      .finally(() => {
        if (audited === undefined) return;
        const entry = audited;
        const done = () => {
          const code = errorCode;
          this.options.audit({
            who: entry.who,
            remote: req.socket.remoteAddress ?? "",
            method: req.method ?? "",
            path: entry.path,
            status: res.writableFinished ? res.statusCode : 0,
            ...(code !== undefined ? { error: code } : {}),
            ms: Date.now() - started,
          });
        };
        if (res.writableFinished || res.destroyed) done();
        else res.once("close", done);
      });
  };

  /** Ends every open event stream (at shutdown). */
  closeStreams(): void {
    for (const end of [...this.streams]) end();
  }

  private refuse(refusal: Refusal): never {
    this.refused.inc({ reason: refusal.reason });
    throw new HttpError(
      refusal.status,
      refusal.message,
      { ...refusal.headers },
      { ...refusal.details },
      refusal.code,
    );
  }

  /** The guard, the rate limit and the audit around {@link route}. */
  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    audit: (who: string, path: string) => void,
  ): Promise<Outcome> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://agent");
    } catch {
      throw new HttpError(400, "bad request target");
    }
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter((p) => p !== "");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const { guard } = this.options;

    const rule = routeRule(method, parts);
    const site = guard.checkSite(req);
    if (site !== undefined) {
      if (rule.changes) audit(this.claimed(req), path);
      this.refuse(site);
    }
    const origin = req.headers.origin;
    const cors = origin !== undefined && guard.isCorsOrigin(origin);
    if (cors) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
    }
    if (method === "OPTIONS" && cors && req.headers["access-control-request-method"]) {
      res.writeHead(204, {
        "access-control-allow-methods": CORS_METHODS,
        "access-control-allow-headers": CORS_HEADERS,
        "access-control-max-age": "600",
      });
      res.end();
      return "done";
    }

    const caller = guard.authorize(req, path, rule);
    if (rule.changes) {
      audit(caller.who ?? this.claimed(req), path);
    }
    if ("reason" in caller) this.refuse(caller);
    if (rule.changes || rule.costly) {
      const client = `${caller.who}@${req.socket.remoteAddress ?? ""}`;
      const wait = this.options.writeLimiter.take(client, (this.options.now ?? Date.now)());
      if (wait > 0) {
        this.refuse({
          reason: "rate-limited",
          status: 429,
          code: "rate-limited",
          message: `too many changes from this client: try again in ${wait} ms`,
          details: { retryAfterMs: wait },
          headers: { "retry-after": String(Math.ceil(wait / 1000)) },
        });
      }
    }
    return this.route(req, res, url, parts, path, caller);
  }

  /** Who a refused caller claimed to be, for the audit log: never the token. */
  private claimed(req: IncomingMessage): string {
    return req.headers.authorization === undefined ? "anonymous" : "invalid-token";
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    parts: readonly string[],
    path: string,
    caller: Caller,
  ): Promise<Outcome> {
    const method = req.method ?? "GET";
    const { cluster } = this.host;

    if (path === "/health") {
      if (method !== "GET" && method !== "HEAD") methodNotAllowed(["GET"]);
      const health = cluster.health();
      if (cluster.status !== "running") {
        sendJson(res, 503, { status: cluster.status, health });
      } else {
        sendJson(res, 200, { status: health === 0 ? "ok" : "degraded", health });
      }
      return "done";
    }
    if (path === "/metrics") {
      if (method !== "GET") methodNotAllowed(["GET"]);
      const text = await this.host.registry.metrics();
      res.writeHead(200, { "content-type": this.host.registry.contentType });
      res.end(text);
      return "done";
    }
    if (parts[0] !== "v1" || parts.length < 2) throw new HttpError(404, `no route ${url.pathname}`);
    const resource = parts[1];
    const rest = parts.slice(2).map(decodeSegment);

    if (resource === "members" && rest.length === 0) {
      if (method !== "GET") methodNotAllowed(["GET"]);
      const status = url.searchParams.get("status");
      if (status !== null && !STATUSES.has(status)) {
        throw new HttpError(
          400,
          `status must be alive, suspect, dead or left, got ${JSON.stringify(status)}`,
        );
      }
      const members = cluster
        .members()
        .filter((m) => status === null || m.status === status)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(memberView);
      sendJson(res, 200, { members });
      return "done";
    }

    if (resource === "kv") return this.kv(req, res, method, rest);

    if (resource === "events" && rest.length === 0) {
      if (method !== "GET") methodNotAllowed(["GET"]);
      const end = streamEvents(cluster, res, () => this.streams.delete(end));
      this.streams.add(end);
      return "stream";
    }

    if (resource === "leave" && rest.length === 0) {
      if (method !== "POST") methodNotAllowed(["POST"]);
      assertRunning(cluster);
      await this.host.leave();
      sendJson(res, 200, { name: cluster.name, status: "left" });
      return "done";
    }

    if (resource === "whoami" && rest.length === 0) {
      if (method !== "GET") methodNotAllowed(["GET"]);
      sendJson(res, 200, { who: caller.who, scope: caller.scope });
      return "done";
    }

    if (resource === "info" && rest.length === 0) {
      if (method !== "GET") methodNotAllowed(["GET"]);
      sendJson(res, 200, this.host.info());
      return "done";
    }

    if (resource === "tags" && rest.length === 0) return this.tagsRoute(req, res, method, url);

    if (resource === "config") return configRoute(cluster, req, res, method, rest, url);
    if (resource === "stats") return statsRoute(cluster, res, method, rest);

    if (resource === "keys" && rest.length <= 1)
      return this.keysRoute(req, res, method, url, rest[0]);

    throw new HttpError(404, `no route ${url.pathname}`);
  }

  private async kv(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    rest: string[],
  ): Promise<Outcome> {
    const { cluster } = this.host;
    if (rest.length === 0) {
      if (method !== "GET") methodNotAllowed(["GET"]);
      const entries = cluster
        .owners()
        .sort()
        .flatMap((node) =>
          cluster
            .entries(node)
            .sort((a, b) => a.key.localeCompare(b.key))
            .map((e) => ({ node, key: e.key, ...valueView(e.value), version: e.version })),
        );
      sendJson(res, 200, { entries });
      return "done";
    }
    if (rest.length === 2) {
      if (method !== "GET") methodNotAllowed(["GET"]);
      const [node, key] = rest as [string, string];
      return this.sendEntry(res, node, key);
    }
    if (rest.length !== 1) throw new HttpError(404, "expected /v1/kv/:key or /v1/kv/:node/:key");
    const key = rest[0]!;
    if (method === "GET") return this.sendEntry(res, cluster.name, key);
    if (method === "PUT") {
      let value: Uint8Array;
      if (isJson(req)) {
        const body = await readJson(req, this.maxBodyBytes);
        if (
          typeof body !== "object" ||
          body === null ||
          typeof (body as { value?: unknown }).value !== "string"
        ) {
          throw new HttpError(400, 'JSON body must be {"value": "<text>"}');
        }
        const { value: text, encoding } = body as { value: string; encoding?: unknown };
        if (encoding !== undefined && encoding !== "base64") {
          throw new HttpError(400, 'encoding must be "base64" when given');
        }
        value =
          encoding === "base64"
            ? new Uint8Array(Buffer.from(text, "base64"))
            : Buffer.from(text, "utf8");
      } else {
        value = new Uint8Array(await readBody(req, this.maxBodyBytes));
      }
      assertRunning(cluster);
      try {
        cluster.set(key, value);
      } catch (err) {
        throw new HttpError(400, err instanceof Error ? err.message : String(err));
      }
      this.host.afterLocalWrite();
      sendJson(res, 200, {
        node: cluster.name,
        key,
        version: entryOf(cluster, cluster.name, key)?.version ?? 0,
      });
      return "done";
    }
    if (method === "DELETE") {
      assertRunning(cluster);
      if (!cluster.delete(key))
        throw new HttpError(404, `no key ${JSON.stringify(key)} on ${cluster.name}`);
      this.host.afterLocalWrite();
      sendJson(res, 200, { node: cluster.name, key, deleted: true });
      return "done";
    }
    methodNotAllowed(["GET", "PUT", "DELETE"]);
  }

  private sendEntry(res: ServerResponse, node: string, key: string): Outcome {
    const entry = entryOf(this.host.cluster, node, key);
    if (!entry) throw new HttpError(404, `no key ${JSON.stringify(key)} on ${node}`);
    sendJson(res, 200, { node, key, ...valueView(entry.value), version: entry.version });
    return "done";
  }

  private async keysRoute(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    op: string | undefined,
  ): Promise<Outcome> {
    let timeoutMs = DEFAULT_KEY_TIMEOUT_MS;
    const timeout = url.searchParams.get("timeout");
    if (timeout !== null) {
      try {
        timeoutMs = parseDuration(timeout, "timeout");
      } catch (err) {
        throw new HttpError(400, err instanceof UsageError ? err.message : "bad timeout");
      }
      if (timeoutMs < 1 || timeoutMs > MAX_KEY_TIMEOUT_MS) {
        throw new HttpError(400, `timeout must be between 1ms and ${MAX_KEY_TIMEOUT_MS / 1000}s`);
      }
    }
    let name: KeyOpName;
    let key: string | undefined;
    let force = false;
    if (op === undefined) {
      if (method !== "GET") methodNotAllowed(["GET"]);
      name = "list";
    } else if (op === "install" || op === "use" || op === "remove") {
      if (method !== "POST") methodNotAllowed(["POST"]);
      const body = await readJson(req, this.maxBodyBytes);
      const given = (body as { key?: unknown } | undefined)?.key;
      if (typeof body !== "object" || body === null || typeof given !== "string") {
        throw new HttpError(400, 'JSON body must be {"key": "<base64>"}');
      }
      const f = (body as { force?: unknown }).force;
      if (f !== undefined && typeof f !== "boolean") {
        throw new HttpError(400, "force must be true or false");
      }
      name = op;
      key = given;
      force = f === true;
    } else {
      throw new HttpError(
        404,
        "expected /v1/keys, /v1/keys/install, /v1/keys/use or /v1/keys/remove",
      );
    }
    try {
      sendJson(res, 200, await this.host.keyOp(name, key, { timeoutMs, force }));
    } catch (err) {
      if (err instanceof KeyOpError) throw new HttpError(err.status, err.message);
      throw err;
    }
    return "done";
  }

  private async tagsRoute(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
  ): Promise<Outcome> {
    if (method === "GET") {
      sendJson(res, 200, { tags: this.host.tags() });
      return "done";
    }
    if (method === "PUT") {
      const body = await readJson(req, this.maxBodyBytes);
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw new HttpError(400, 'body must be a JSON object of tags, e.g. {"role":"web"}');
      }
      const added: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) {
        if (typeof v !== "string")
          throw new HttpError(400, `tag ${JSON.stringify(k)} must be a string`);
        if (k === "") throw new HttpError(400, "tag names may not be empty");
        added[k] = v;
      }
      assertRunning(this.host.cluster);
      this.host.setTags({ ...this.host.tags(), ...added });
      sendJson(res, 200, { tags: this.host.tags() });
      return "done";
    }
    if (method === "DELETE") {
      const keys = url.searchParams.getAll("key");
      const body = await readJson(req, this.maxBodyBytes);
      if (body !== undefined) {
        const list = Array.isArray(body) ? body : (body as { keys?: unknown })?.keys;
        if (!Array.isArray(list) || !list.every((k) => typeof k === "string")) {
          throw new HttpError(400, 'body must be {"keys": ["<tag>", ...]}');
        }
        keys.push(...(list as string[]));
      }
      if (keys.length === 0) throw new HttpError(400, "name the tags to delete with ?key=<tag>");
      assertRunning(this.host.cluster);
      const tags = { ...this.host.tags() };
      for (const k of keys) delete tags[k];
      this.host.setTags(tags);
      sendJson(res, 200, { tags: this.host.tags() });
      return "done";
    }
    methodNotAllowed(["GET", "PUT", "DELETE"]);
  }
}
