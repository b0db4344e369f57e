import type { FastifyRequest } from "fastify";
import type { RouteContext } from "../http-api.js";
import { HttpError } from "../http-errors.js";
import {
  BLOCKING_QUERY,
  blockIfAsked,
  bodyValue,
  ENTRY_SCHEMA,
  ERRORS,
  VALUE_BODY,
  wildcardKey,
} from "../http-schemas.js";
import { valueView } from "../views.js";
import { assertRunning } from "./node-routes.js";

interface KvQuery {
  owner?: string;
  prefix?: string;
  recurse?: string;
  index?: number;
  wait?: string;
}

const READ_QUERY = {
  type: "object",
  additionalProperties: false,
  properties: {
    owner: { type: "string", description: "the node that owns the key (default: this node)" },
    recurse: {
      type: "string",
      description: "present: list every key that starts with the path, of every owner",
    },
    ...BLOCKING_QUERY,
  },
} as const;

const LIST_SCHEMA = {
  type: "object",
  required: ["entries"],
  properties: { entries: { type: "array", items: ENTRY_SCHEMA } },
} as const;

const keyOf = (request: FastifyRequest) =>
  wildcardKey(request, "no key: use /v1/kv to list, /v1/kv/<key> for one");

/**
 * `/v1/kv` and `/v1/kv/<key>`: this node's keys and, read-only, every other node's. A key may
 * contain `/` as written (`/v1/kv/app/db/url` is key `app/db/url`); `?owner=NODE` reads another
 * node's key; `?prefix=` on `/v1/kv` and `?recurse` on `/v1/kv/<key>` list across owners. Reads
 * are blocking reads with `?index=&wait=`.
 */
export function registerKvRoutes({ app, host }: RouteContext): void {
  const { cluster } = host;

  const list = (prefix: string, owner: string | undefined) =>
    (owner === undefined ? cluster.owners() : [owner]).sort().flatMap((node) =>
      cluster
        .entries(node)
        .filter((e) => e.key.startsWith(prefix))
        .sort((a, b) => a.key.localeCompare(b.key))
        .map((e) => ({ node, key: e.key, ...valueView(e.value), version: e.version })),
    );

  app.get<{ Querystring: KvQuery }>(
    "/v1/kv",
    {
      schema: {
        summary: "Every key of every node this agent holds (a blocking read)",
        tags: ["kv"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            prefix: { type: "string", description: "only keys that start with this" },
            owner: { type: "string", description: "only this node's keys" },
            ...BLOCKING_QUERY,
          },
        },
        response: { 200: LIST_SCHEMA, ...ERRORS },
      },
    },
    async (request, reply) => {
      await blockIfAsked(request.query, host.events, "kv", request, reply);
      return { entries: list(request.query.prefix ?? "", request.query.owner) };
    },
  );

  app.get<{ Querystring: KvQuery }>(
    "/v1/kv/*",
    {
      schema: {
        summary: "One key of one node (default this node), or with ?recurse every key under it",
        tags: ["kv"],
        params: { type: "object", properties: { "*": { type: "string" } } },
        querystring: READ_QUERY,
        response: { 200: { anyOf: [ENTRY_SCHEMA, LIST_SCHEMA] }, ...ERRORS },
      },
    },
    async (request, reply) => {
      const key = keyOf(request);
      const q = request.query;
      await blockIfAsked(q, host.events, "kv", request, reply);
      if (q.recurse !== undefined) return { entries: list(key, q.owner) };
      const node = q.owner ?? cluster.name;
      const entry = cluster.entries(node).find((e) => e.key === key);
      if (!entry) {
        throw new HttpError(404, `no key ${JSON.stringify(key)} on ${node}`, {}, { key, node });
      }
      return { node, key, ...valueView(entry.value), version: entry.version };
    },
  );

  app.put<{ Body: unknown }>(
    "/v1/kv/*",
    {
      schema: {
        summary:
          "Set one of this node's keys: the raw body is the value, or JSON {value, encoding?}",
        tags: ["kv"],
        params: { type: "object", properties: { "*": { type: "string" } } },
        querystring: { type: "object", additionalProperties: false, properties: {} },
        body: VALUE_BODY,
        response: {
          200: {
            type: "object",
            required: ["node", "key", "version"],
            properties: {
              node: { type: "string" },
              key: { type: "string" },
              version: { type: "number" },
            },
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
        cluster.set(key, value);
      } catch (err) {
        if ((err as { code?: unknown }).code === "too-large") throw err;
        throw new HttpError(400, err instanceof Error ? err.message : String(err));
      }
      host.afterLocalWrite();
      const version = cluster.entries(cluster.name).find((e) => e.key === key)?.version ?? 0;
      return { node: cluster.name, key, version };
    },
  );

  app.delete(
    "/v1/kv/*",
    {
      schema: {
        summary: "Delete one of this node's keys",
        tags: ["kv"],
        params: { type: "object", properties: { "*": { type: "string" } } },
        querystring: { type: "object", additionalProperties: false, properties: {} },
        response: {
          200: {
            type: "object",
            required: ["node", "key", "deleted"],
            properties: {
              node: { type: "string" },
              key: { type: "string" },
              deleted: { type: "boolean" },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const key = keyOf(request);
      assertRunning(cluster.status);
      if (!cluster.delete(key)) {
        throw new HttpError(404, `no key ${JSON.stringify(key)} on ${cluster.name}`);
      }
      host.afterLocalWrite();
      return { node: cluster.name, key, deleted: true };
    },
  );
}
