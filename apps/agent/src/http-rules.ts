import type { RouteRule } from "./http-guard.js";

const READ: RouteRule = { scope: "read", changes: false, costly: false };
const OPEN: RouteRule = { scope: "open", changes: false, costly: false };
const WRITE: RouteRule = { scope: "write", changes: true, costly: false };

/** `POST /v1/<verb>` routes that change this node or the cluster (scope `write`). */
const WRITE_VERBS = new Set(["leave", "join", "event", "force-leave", "query"]);
/** `GET /v1/<verb>` routes that make every member work (rate-limited like writes). */
const COSTLY_READS = new Set(["reachability"]);

/**
 * What a route needs, from its method and path alone (before any body is read or any route is
 * matched, so that no spelling of a path escapes its rule). `/health` and `/metrics` need
 * `read` unless the agent serves them open (`--http-open`). Unknown routes and methods need
 * `read`, so that a caller without a token learns nothing, not even which routes exist; with
 * one, they answer 404 or 405. The dashboard's page and assets (`GET /ui/...`) are open: they
 * hold no data, and the page's own data calls need a token like any other.
 */
export function routeRule(method: string, parts: readonly string[]): RouteRule {
  const [first, resource, ...rest] = parts;
  if (first === "ui" && (method === "GET" || method === "HEAD")) return OPEN;
  if (first !== "v1") return READ;
  const changing = method === "PUT" || method === "DELETE" || method === "POST";
  if (resource === "keys" && rest.length <= 1) {
    let op: string | undefined;
    try {
      op = rest[0] === undefined ? undefined : decodeURIComponent(rest[0]);
    } catch {
      op = "";
    }
    const isOp = op === "install" || op === "use" || op === "remove";
    return { scope: "keys", changes: changing && (op === undefined || isOp), costly: true };
  }
  if (!changing) {
    if (resource !== undefined && COSTLY_READS.has(resource) && rest.length === 0) {
      return { ...READ, costly: true };
    }
    return READ;
  }
  if (resource === "kv" && rest.length >= 1 && method !== "POST") return WRITE;
  if (resource === "config" && rest.length >= 1 && method !== "POST") return WRITE;
  if (resource === "tags" && rest.length === 0 && method !== "POST") return WRITE;
  if (resource !== undefined && WRITE_VERBS.has(resource) && method === "POST") {
    return resource === "query" ? { ...WRITE, costly: true } : WRITE;
  }
  return READ;
}
