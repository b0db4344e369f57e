import type { IncomingMessage, ServerResponse } from "node:http";
import type { Cluster } from "@grapevine/cluster";
import { Ajv } from "ajv";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from "fastify";
import type { Registry } from "prom-client";
import { Counter } from "prom-client";
import type { EventLog } from "./event-log.js";
import { HttpError } from "./http-errors.js";
import { asHttpError } from "./http-failures.js";
import type { Caller, HttpGuard, Refusal, RefusalReason } from "./http-guard.js";
import { routeRule } from "./http-rules.js";
import type { KeyOpName, KeyOpOptions, KeyOpReport } from "./key-ops.js";
import type { LogHub } from "./log-hub.js";
import { buildOpenApi } from "./openapi.js";
import type { OperatorHost } from "./operator.js";
import type { RateLimiter } from "./rate-limit.js";
import { registerCoordinateRoutes } from "./routes/coordinate-routes.js";
import { registerKeysRoutes } from "./routes/keys-routes.js";
import { registerKvRoutes } from "./routes/kv-routes.js";
import { registerNodeRoutes } from "./routes/node-routes.js";
import { registerOperatorRoutes } from "./routes/operator-routes.js";
import { registerOverviewRoutes } from "./routes/overview-routes.js";
import { registerSharedRoutes } from "./routes/shared-routes.js";
import { registerStreamRoutes } from "./routes/stream-routes.js";
import { registerUiRoutes } from "./routes/ui-routes.js";

export { type ApiErrorBody, HttpError } from "./http-errors.js";
export { routeRule } from "./http-rules.js";

declare module "fastify" {
  /** What the OpenAPI document takes from a route's schema beyond validation. */
  interface FastifySchema {
    /** One line on what the route does. */
    summary?: string;
    /** OpenAPI tags (the group the route is listed under). */
    tags?: readonly string[];
    /** Media types of the answer when it is not JSON. */
    produces?: readonly string[];
  }
}

/** Largest request body accepted, bytes; larger ones get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What the HTTP API needs from the agent that serves it. */
export interface ApiHost extends OperatorHost {
  readonly cluster: Cluster;
  /** The agent's own Prometheus registry. */
  readonly registry: Registry;
  /** Every state-changing event, numbered: SSE ids, `X-Grapevine-Index` and blocking reads. */
  readonly events: EventLog;
  /** The agent's log lines, for `GET /v1/monitor`. */
  readonly logs: LogHub;
  /** Everything `GET /v1/info` reports. */
  info(): Record<string, unknown>;
  /** This node's current tags. */
  tags(): Readonly<Record<string, string>>;
  /** Replaces this node's tags; throws the cluster's `LimitError` when they are too large. */
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
  /** Serve the web dashboard at `/ui/` (default true). */
  readonly ui?: boolean;
}

/** Methods and headers a browser page of an allowed origin may use (CORS preflight answer). */
const CORS_METHODS = "GET, HEAD, PUT, DELETE, POST";
const CORS_HEADERS = "authorization, content-type, x-grapevine-request, last-event-id";

/** What the hooks learn about a request, kept for its route and the audit log. */
interface RequestState {
  caller: Caller;
  errorCode?: string;
}

const STATE = Symbol("grapevine-request");
type WithState = FastifyRequest & { [STATE]?: RequestState };

/** The caller the guard identified (routes that need it run after the guard). */
export function callerOf(request: FastifyRequest): Caller {
  return (request as WithState)[STATE]?.caller ?? { who: "anonymous", scope: "read" };
}

/** What a route module registers its routes with. */
export interface RouteContext {
  readonly app: FastifyInstance;
  readonly host: ApiHost;
  /** Ends with the API: streams register their closers here. */
  readonly streams: Set<() => void>;
}

/** A Fastify route pattern as a regular expression, to tell 405 from 404. */
function patternOf(url: string): RegExp {
  const body = url
    .split("/")
    .map((seg) =>
      seg === "*"
        ? ".*"
        : seg.startsWith(":")
          ? "[^/]+"
          : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("/");
  return new RegExp(`^${body}/?$`);
}

/**
 * The agent's HTTP API on Fastify: JSON in and out with a JSON schema for every route's query,
 * body and answer (unknown query parameters answer 400 naming the parameter), the
 * {@link ApiErrorBody} with a fitting status on failure, 404 for unknown routes, 405 for wrong
 * methods, 413 for bodies over the limit, HEAD on every GET route, and the OpenAPI document of
 * all of it at `/v1/openapi.json`. Every request first passes the {@link HttpGuard} (Host,
 * Origin, token and scope, no simple state-changing requests) in an `onRequest` hook, then, if
 * it changes state or makes the cluster work, the per-client rate limit; state-changing calls
 * are audited. Every answer carries `X-Grapevine-Index`, the agent's event index.
 */
export class HttpApi {
  private readonly streams = new Set<() => void>();
  private readonly refused: Counter<"reason">;
  private readonly maxBodyBytes: number;
  private readonly app: FastifyInstance;
  private readonly routes: RouteOptions[] = [];
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

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
    this.app = this.build();
  }

  /**
   * The `node:http` request handler (a `request` listener), once {@link ready} has resolved.
   * Never throws.
   */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.handler === undefined) {
      res.writeHead(503, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(new HttpError(503, "the API is starting").body()));
      return;
    }
    this.handler(req, res);
  };

  /** Compiles every route; {@link handle} answers 503 until this resolves. */
  async ready(): Promise<void> {
    await this.app.ready();
  }

  /** Ends every open event stream (at shutdown). */
  closeStreams(): void {
    for (const end of [...this.streams]) end();
  }

  /** The OpenAPI 3 document of every route (also served at `/v1/openapi.json`). */
  openApi(): Record<string, unknown> {
    return buildOpenApi(this.routes);
  }

  private build(): FastifyInstance {
    const app = Fastify({
      logger: false,
      bodyLimit: this.maxBodyBytes,
      exposeHeadRoutes: true,
      routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
      serverFactory: (handler) => {
        this.handler = handler;
        // The agent owns the server (its TLS and limits); Fastify only sees its requests.
        return { on: () => undefined } as never;
      },
      frameworkErrors: (err, request, reply) => {
        this.sendError(request, reply, asHttpError(err, this.maxBodyBytes, request));
      },
    });
    // Answers are plain JSON.stringify: the schemas describe them (and the OpenAPI document),
    // but never silently drop a field that a schema forgot.
    // Query strings, path parameters and headers are text: numbers and lists are coerced. Bodies
    // are JSON and keep their types ({"value": 1} is not a string). Unknown properties are
    // refused, never silently removed.
    const coercing = new Ajv({
      coerceTypes: "array",
      useDefaults: true,
      removeAdditional: false,
      strict: false,
    });
    const exact = new Ajv({
      coerceTypes: false,
      useDefaults: true,
      removeAdditional: false,
      strict: false,
    });
    app.setValidatorCompiler(({ schema, httpPart }) =>
      (httpPart === "body" ? exact : coercing).compile(schema),
    );
    app.setSerializerCompiler(() => (data) => JSON.stringify(data));
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
      const text = String(body);
      if (text.trim() === "") return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new HttpError(400, "request body is not valid JSON"), undefined);
      }
    });
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    app.addHook("onRoute", (route) => {
      this.routes.push(route);
    });
    app.addHook("onRequest", (request, reply) => this.guardRequest(request, reply));
    app.addHook("onSend", async (_request, reply, payload) => {
      reply.header("x-grapevine-index", String(this.host.events.index));
      return payload;
    });
    app.setErrorHandler((err, request, reply) => {
      this.sendError(request, reply, asHttpError(err, this.maxBodyBytes, request));
    });
    app.setNotFoundHandler((request, reply) => {
      const path = new URL(request.url, "http://agent").pathname;
      const allow = [
        ...new Set(
          this.routes
            .filter((r) => patternOf(r.url).test(path))
            .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]))
            .filter((m) => m !== "HEAD"),
        ),
      ];
      if (allow.length > 0) {
        this.sendError(
          request,
          reply,
          new HttpError(405, "method not allowed", { allow: allow.join(", ") }, { allow }),
        );
        return;
      }
      this.sendError(request, reply, new HttpError(404, `no route ${path}`));
    });
    const context: RouteContext = { app, host: this.host, streams: this.streams };
    registerNodeRoutes(context);
    registerKvRoutes(context);
    registerKeysRoutes(context);
    registerStreamRoutes(context);
    registerOperatorRoutes(context);
    registerSharedRoutes(context);
    registerOverviewRoutes(context);
    registerCoordinateRoutes(context);
    if (this.options.ui !== false) registerUiRoutes(context);
    app.get(
      "/v1/openapi.json",
      {
        schema: {
          summary: "This API's OpenAPI 3 document",
          tags: ["meta"],
          response: { 200: { type: "object", additionalProperties: true } },
        },
      },
      async () => this.openApi(),
    );
    return app;
  }

  private sendError(request: FastifyRequest, reply: FastifyReply, err: HttpError): void {
    const state = (request as WithState)[STATE];
    if (state !== undefined) state.errorCode = err.code;
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    reply
      .code(err.status)
      .headers({ ...err.headers, "cache-control": "no-store" })
      .type("application/json; charset=utf-8")
      .send(err.body());
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

  /** Who a refused caller claimed to be, for the audit log: never the token. */
  private claimed(req: IncomingMessage): string {
    return req.headers.authorization === undefined ? "anonymous" : "invalid-token";
  }

  /** Writes the audit line of a state-changing call once its answer is sent (or abandoned). */
  private auditOnClose(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    path: string,
    who: string,
  ): void {
    const started = Date.now();
    const done = () => {
      const code = state.errorCode;
      this.options.audit({
        who,
        remote: req.socket.remoteAddress ?? "",
        method: req.method ?? "",
        path,
        status: res.writableFinished ? res.statusCode : 0,
        ...(code !== undefined ? { error: code } : {}),
        ms: Date.now() - started,
      });
    };
    res.once("close", done);
  }

  /** The guard, CORS, the rate limit and the audit, before any route runs. */
  private async guardRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const req = request.raw;
    const res = reply.raw;
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
    const state: RequestState = { caller: { who: "anonymous", scope: "read" } };
    (request as WithState)[STATE] = state;
    res.setHeader("cache-control", "no-store");

    const rule = routeRule(method, parts);
    const site = guard.checkSite(req);
    if (site !== undefined) {
      if (rule.changes) this.auditOnClose(req, res, state, path, this.claimed(req));
      this.refuse(site);
    }
    const origin = req.headers.origin;
    const cors = origin !== undefined && guard.isCorsOrigin(origin);
    if (cors) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("access-control-expose-headers", "x-grapevine-index");
      res.setHeader("vary", "Origin");
    }
    if (method === "OPTIONS" && cors && req.headers["access-control-request-method"]) {
      reply
        .code(204)
        .headers({
          "access-control-allow-methods": CORS_METHODS,
          "access-control-allow-headers": CORS_HEADERS,
          "access-control-max-age": "600",
        })
        .send();
      return reply;
    }

    const caller = guard.authorize(req, path, rule);
    if (rule.changes) this.auditOnClose(req, res, state, path, caller.who ?? this.claimed(req));
    if ("reason" in caller) this.refuse(caller);
    state.caller = caller;
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
  }
}
