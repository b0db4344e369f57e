import type { IncomingMessage, ServerResponse } from "node:http";
import type { Cluster } from "@grapevine/cluster";
import {
  assertRunning,
  HttpError,
  isJson,
  methodNotAllowed,
  type Outcome,
  readBody,
  readJson,
  sendJson,
} from "./http-api.js";
import { valueView } from "./views.js";

/** Largest shared value accepted through the API, bytes (the cluster's value limit applies too). */
const MAX_CONFIG_BODY_BYTES = 64 * 1024;

/**
 * `/v1/config` (list; `?prefix=`) and `/v1/config/<key>` (GET, PUT, DELETE): the cluster-scoped
 * keyspace. Keys may contain `/`: every segment after `/v1/config/` is part of the key.
 */
export async function configRoute(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  rest: readonly string[],
  url: URL,
): Promise<Outcome> {
  if (rest.length === 0) {
    if (method !== "GET") methodNotAllowed(["GET"]);
    const prefix = url.searchParams.get("prefix") ?? "";
    const entries = cluster.shared
      .entries(prefix)
      .map((e) => ({ key: e.key, ...valueView(e.value) }));
    sendJson(res, 200, { entries });
    return "done";
  }
  const key = rest.join("/");
  if (method === "GET") {
    const value = cluster.shared.get(key);
    if (value === undefined) throw new HttpError(404, `no config key ${JSON.stringify(key)}`);
    sendJson(res, 200, { key, ...valueView(value) });
    return "done";
  }
  if (method === "PUT") {
    const value = await readValue(req);
    assertRunning(cluster);
    try {
      cluster.shared.set(key, value);
    } catch (err) {
      throw new HttpError(400, err instanceof Error ? err.message : String(err));
    }
    sendJson(res, 200, { key, set: true });
    return "done";
  }
  if (method === "DELETE") {
    assertRunning(cluster);
    if (!cluster.shared.delete(key)) {
      throw new HttpError(404, `no config key ${JSON.stringify(key)}`);
    }
    sendJson(res, 200, { key, deleted: true });
    return "done";
  }
  methodNotAllowed(["GET", "PUT", "DELETE"]);
}

/** `/v1/stats` (every name's aggregate) and `/v1/stats/<name>`. */
export function statsRoute(
  cluster: Cluster,
  res: ServerResponse,
  method: string,
  rest: readonly string[],
): Outcome {
  if (method !== "GET") methodNotAllowed(["GET"]);
  if (rest.length === 0) {
    const stats = cluster.stats.names().flatMap((n) => cluster.stats.aggregate(n) ?? []);
    sendJson(res, 200, { stats });
    return "done";
  }
  const name = rest.join("/");
  const aggregate = cluster.stats.aggregate(name);
  if (aggregate === undefined) throw new HttpError(404, `no samples of ${JSON.stringify(name)}`);
  sendJson(res, 200, aggregate);
  return "done";
}

/** A PUT body: `{"value": "<text>", "encoding"?: "base64"}` as JSON, or the raw bytes. */
async function readValue(req: IncomingMessage): Promise<Uint8Array> {
  if (!isJson(req)) return new Uint8Array(await readBody(req, MAX_CONFIG_BODY_BYTES));
  const body = await readJson(req, MAX_CONFIG_BODY_BYTES);
  const value = (body as { value?: unknown } | null)?.value;
  if (typeof value !== "string") throw new HttpError(400, 'JSON body must be {"value": "<text>"}');
  const encoding = (body as { encoding?: unknown }).encoding;
  if (encoding !== undefined && encoding !== "base64") {
    throw new HttpError(400, 'encoding must be "base64" when given');
  }
  return encoding === "base64"
    ? new Uint8Array(Buffer.from(value, "base64"))
    : new Uint8Array(Buffer.from(value, "utf8"));
}
