import type { RouteOptions } from "fastify";
import { AGENT_VERSION } from "./version.js";

type Schema = Record<string, unknown>;

/** The name of a route's trailing wildcard: a dashboard asset's path, or a key. */
function wildcardName(url: string): string {
  return url.startsWith("/ui/") ? "asset" : "key";
}

/** `/v1/kv/*` → `/v1/kv/{key}`, `/ui/*` → `/ui/{asset}`, `:name` → `{name}`. */
function openApiPath(url: string): string {
  return url.replace(/\*$/, `{${wildcardName(url)}}`).replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function parameters(route: RouteOptions): Schema[] {
  const schema = (route.schema ?? {}) as Schema;
  const out: Schema[] = [];
  const query = schema.querystring as { properties?: Record<string, Schema> } | undefined;
  for (const [name, s] of Object.entries(query?.properties ?? {})) {
    const { description, ...rest } = s;
    out.push({
      name,
      in: "query",
      required: false,
      ...(description !== undefined ? { description } : {}),
      schema: rest,
      ...(rest.type === "array" ? { style: "form", explode: true } : {}),
    });
  }
  if (route.url.endsWith("*")) {
    const name = wildcardName(route.url);
    out.push({
      name,
      in: "path",
      required: true,
      description:
        name === "key" ? "the key; it may contain / as written" : "the asset's path under /ui/",
      schema: { type: "string" },
    });
  }
  const headers = schema.headers as { properties?: Record<string, Schema> } | undefined;
  for (const [name, s] of Object.entries(headers?.properties ?? {})) {
    out.push({ name, in: "header", required: false, schema: s });
  }
  return out;
}

function requestBody(route: RouteOptions): Schema | undefined {
  const body = ((route.schema ?? {}) as Schema).body as Schema | undefined;
  if (body === undefined) return undefined;
  const content = body.content as Record<string, { schema: Schema }> | undefined;
  if (content !== undefined) {
    const out: Record<string, Schema> = { ...content };
    if (route.url.startsWith("/v1/kv")) {
      out["application/octet-stream"] = { schema: { type: "string", format: "binary" } };
    }
    return { required: false, content: out };
  }
  return { required: true, content: { "application/json": { schema: body } } };
}

function responses(route: RouteOptions): Schema {
  const schema = (route.schema ?? {}) as Schema;
  const produces = (schema.produces as string[] | undefined)?.[0] ?? "application/json";
  const out: Schema = {};
  for (const [status, s] of Object.entries((schema.response ?? {}) as Record<string, Schema>)) {
    const json = status.startsWith("4") || status.startsWith("5") ? "application/json" : produces;
    out[status.toUpperCase()] = {
      description: status === "200" ? "success" : "error (see the error body)",
      content: { [json]: { schema: s } },
    };
  }
  if (Object.keys(out).length === 0) out["200"] = { description: "success" };
  return out;
}

/**
 * Builds the OpenAPI 3.0 document of the API from the routes' own JSON schemas (the same ones
 * Fastify validates requests with), so the document cannot drift from what the API accepts.
 * HEAD routes are left out: every GET route answers HEAD too.
 */
export function buildOpenApi(routes: readonly RouteOptions[]): Record<string, unknown> {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const schema = (route.schema ?? {}) as Schema;
    for (const method of methods) {
      if (method === "HEAD") continue;
      const path = openApiPath(route.url);
      const body = requestBody(route);
      const operation: Schema = {
        operationId: `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
        summary: schema.summary ?? path,
        tags: schema.tags ?? [],
        parameters: parameters(route),
        ...(body !== undefined ? { requestBody: body } : {}),
        responses: responses(route),
        ...(route.url.startsWith("/v1/") ? { security: [{ bearer: [] }, {}] } : {}),
      };
      paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
    }
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Grapevine agent HTTP API",
      version: AGENT_VERSION,
      description:
        'Every answer carries X-Grapevine-Index (the agent\'s event index); errors are {"error": {"code", "message", ...}}.',
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}
