import type { FastifyRequest } from "fastify";
import type { RouteContext } from "../http-api.js";
import { HttpError } from "../http-errors.js";
import { bodyValue, ERRORS, VALUE_BODY, wildcardKey } from "../http-schemas.js";
import { valueView } from "../views.js";
import { assertRunning } from "./node-routes.js";

const NO_QUERY = { type: "object", additionalProperties: false, properties: {} } as const;
const KEY_PARAMS = { type: "object", properties: { "*": { type: "string" } } } as const;
const CONFIG_ENTRY = {
  type: "object",
  required: ["key", "value"],
  properties: {
    key: { type: "string" },
    value: { type: "string", description: "UTF-8 text, or base64 when encoding is base64" },
    encoding: { type: "string", enum: ["base64"] },
  },
} as const;
const AGGREGATE = { type: "object", additionalProperties: true } as const;

const keyOf = (request: FastifyRequest) => wildcardKey(request, "no key: use /v1/config to list");

/**
 * `/v1/config` (list, `?prefix=`) and `/v1/config/<key>` (GET, PUT, DELETE): the cluster-scoped
 * keyspace, where a key may contain `/`; `/v1/stats` and `/v1/stats/<name>`: the cluster's
 * telemetry aggregates.
 */
export function registerSharedRoutes({ app, host }: RouteContext): void {
  const { cluster } = host;

  app.get<{ Querystring: { prefix?: string } }>(
    "/v1/config",
    {
      schema: {
        summary: "Every cluster-scoped key (configuration that belongs to no member)",
        tags: ["config"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { prefix: { type: "string", description: "only keys that start with this" } },
        },
        response: {
          200: {
            type: "object",
            required: ["entries"],
            properties: { entries: { type: "array", items: CONFIG_ENTRY } },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => ({
      entries: cluster.shared
        .entries(request.query.prefix ?? "")
        .map((e) => ({ key: e.key, ...valueView(e.value) })),
    }),
  );

  app.get(
    "/v1/config/*",
    {
      schema: {
        summary: "One cluster-scoped key",
        tags: ["config"],
        params: KEY_PARAMS,
        querystring: NO_QUERY,
        response: { 200: CONFIG_ENTRY, ...ERRORS },
      },
    },
    async (request) => {
      const key = keyOf(request);
      const value = cluster.shared.get(key);
      if (value === undefined) throw new HttpError(404, `no config key ${JSON.stringify(key)}`);
      return { key, ...valueView(value) };
    },
  );

  app.put<{ Body: unknown }>(
    "/v1/config/*",
    {
      schema: {
        summary: "Set a cluster-scoped key: the raw body is the value, or JSON {value, encoding?}",
        tags: ["config"],
        params: KEY_PARAMS,
        querystring: NO_QUERY,
        body: VALUE_BODY,
        response: {
          200: {
            type: "object",
            required: ["key", "set"],
            properties: { key: { type: "string" }, set: { type: "boolean" } },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const key = keyOf(request);
      const value = bodyValue(request.body);
      assertRunning(cluster.status);
      try {
        cluster.shared.set(key, value);
      } catch (err) {
        if ((err as { code?: unknown }).code === "too-large") throw err;
        throw new HttpError(400, err instanceof Error ? err.message : String(err));
      }
      // In the snapshot before the answer, like a kv write: acknowledged means kept.
      host.afterLocalWrite();
      return { key, set: true };
    },
  );

  app.delete(
    "/v1/config/*",
    {
      schema: {
        summary: "Delete a cluster-scoped key",
        tags: ["config"],
        params: KEY_PARAMS,
        querystring: NO_QUERY,
        response: {
          200: {
            type: "object",
            required: ["key", "deleted"],
            properties: { key: { type: "string" }, deleted: { type: "boolean" } },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const key = keyOf(request);
      assertRunning(cluster.status);
      if (!cluster.shared.delete(key)) {
        throw new HttpError(404, `no config key ${JSON.stringify(key)}`);
      }
      host.afterLocalWrite();
      return { key, deleted: true };
    },
  );

  app.get(
    "/v1/stats",
    {
      schema: {
        summary: "Every telemetry sample's cluster-wide aggregate",
        tags: ["stats"],
        querystring: NO_QUERY,
        response: {
          200: {
            type: "object",
            required: ["stats"],
            properties: { stats: { type: "array", items: AGGREGATE } },
          },
          ...ERRORS,
        },
      },
    },
    async () => ({
      stats: cluster.stats.names().flatMap((n) => cluster.stats.aggregate(n) ?? []),
    }),
  );

  app.get(
    "/v1/stats/*",
    {
      schema: {
        summary: "One telemetry sample's cluster-wide aggregate",
        tags: ["stats"],
        params: KEY_PARAMS,
        querystring: NO_QUERY,
        response: { 200: AGGREGATE, ...ERRORS },
      },
    },
    async (request) => {
      const name = (request.params as { "*"?: string })["*"] ?? "";
      const aggregate = cluster.stats.aggregate(name);
      if (aggregate === undefined) {
        throw new HttpError(404, `no samples of ${JSON.stringify(name)}`);
      }
      return aggregate;
    },
  );
}
