import type { IncomingMessage, ServerResponse } from "node:http";
import type { Cluster } from "@grapevine/cluster";
import type { Registry } from "prom-client";
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";
import { KeyOpError, type KeyOpName, type KeyOpOptions, type KeyOpReport } from "./key-ops.js";
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

/** A request failed in a way the client should hear about, with an HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendJson(
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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

function isJson(req: IncomingMessage): boolean {
  return /^application\/json\b/i.test(req.headers["content-type"] ?? "");
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `bad URL encoding in ${JSON.stringify(segment)}`);
  }
}

function methodNotAllowed(allowed: readonly string[]): never {
  throw new HttpError(405, "method not allowed", { allow: allowed.join(", ") });
}

function assertRunning(cluster: Cluster): void {
  if (cluster.status !== "running") {
    throw new HttpError(503, `agent is ${cluster.status}: no more changes accepted`);
  }
}

function entryOf(cluster: Cluster, node: string, key: string) {
  return cluster.entries(node).find((e) => e.key === key);
}

/** The result of `routes`: an answer given, or an event stream opened. */
type Outcome = "done" | "stream";

/**
 * The agent's HTTP API as a `node:http` request handler: JSON in and out, `{ "error": ... }`
 * with a fitting status on failure, 404 for unknown routes, 405 for wrong methods, 413 for bodies
 * over 1 MiB. Routes are listed in the README.
 */
export class HttpApi {
  private readonly streams = new Set<() => void>();

  constructor(private readonly host: ApiHost) {}

  /** Handles one request. Never throws. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        sendJson(res, err.status, { error: err.message }, err.headers);
        if (err.status === 413) req.resume();
        return;
      }
      sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  };

  /** Ends every open event stream (at shutdown). */
  closeStreams(): void {
    for (const end of [...this.streams]) end();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<Outcome> {
    const url = new URL(req.url ?? "/", "http://agent");
    const parts = url.pathname.split("/").filter((p) => p !== "");
    const method = req.method ?? "GET";
    const { cluster } = this.host;
    const path = url.pathname.replace(/\/+$/, "") || "/";

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

    if (resource === "info" && rest.length === 0) {
      if (method !== "GET") methodNotAllowed(["GET"]);
      sendJson(res, 200, this.host.info());
      return "done";
    }

    if (resource === "tags" && rest.length === 0) return this.tagsRoute(req, res, method, url);

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
        const body = await readJson(req);
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
        value = new Uint8Array(await readBody(req));
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
      const body = await readJson(req);
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
      const body = await readJson(req);
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
      const body = await readJson(req);
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
