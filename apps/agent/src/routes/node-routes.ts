import { callerOf, type RouteContext } from "../http-api.js";
import { HttpError } from "../http-errors.js";
import { BLOCKING_QUERY, blockIfAsked, ERRORS, MEMBER_SCHEMA } from "../http-schemas.js";
import { memberView } from "../views.js";

const TAGS_SCHEMA = {
  type: "object",
  required: ["tags"],
  properties: { tags: { type: "object", additionalProperties: { type: "string" } } },
} as const;

/** Refuses changes once the agent is leaving or stopped. */
export function assertRunning(status: string): void {
  if (status !== "running") {
    throw new HttpError(503, `agent is ${status}: no more changes accepted`);
  }
}

/** Compiles a client's regular expression, naming the parameter when it is not one. */
export function regexParam(source: string, parameter: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new HttpError(
      400,
      `${parameter}: not a regular expression (${(err as Error).message})`,
      {},
      { parameter },
    );
  }
}

/**
 * `/health`, `/metrics`, `/v1/info`, `/v1/whoami`, `/v1/members`, `/v1/leave` and `/v1/tags`:
 * this node and its view of the members.
 */
export function registerNodeRoutes({ app, host }: RouteContext): void {
  const { cluster } = host;

  app.get(
    "/health",
    {
      schema: {
        summary:
          "Liveness: 200 when running and in touch with the cluster; 503 when isolated (no acks from any peer), leaving or stopped",
        tags: ["node"],
        querystring: { type: "object", additionalProperties: false, properties: {} },
        response: {
          200: {
            type: "object",
            required: ["status", "health", "state"],
            properties: {
              status: { type: "string", enum: ["ok", "degraded"] },
              state: { type: "string", enum: ["healthy", "degraded", "isolated"] },
              health: { type: "number", description: "Lifeguard local health score (0 = healthy)" },
            },
          },
          503: {
            type: "object",
            required: ["status", "health"],
            properties: {
              status: { type: "string" },
              state: { type: "string" },
              reason: { type: "string" },
              health: { type: "number" },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const health = cluster.health();
      const state = cluster.healthState();
      if (cluster.status !== "running") {
        return reply.code(503).send({ status: cluster.status, state, health });
      }
      if (state === "isolated") {
        return reply.code(503).send({
          status: "isolated",
          state,
          health,
          reason: "no acks from any other member: this node is cut off from the cluster",
        });
      }
      return { status: health === 0 && state === "healthy" ? "ok" : "degraded", state, health };
    },
  );

  app.get(
    "/metrics",
    {
      schema: {
        summary: "Prometheus metrics (text exposition format)",
        tags: ["node"],
        querystring: { type: "object", additionalProperties: false, properties: {} },
        produces: ["text/plain"],
        response: { 200: { type: "string" } },
      },
    },
    async (_request, reply) => {
      const text = await host.registry.metrics();
      return reply.type(host.registry.contentType).send(text);
    },
  );

  app.get(
    "/v1/info",
    {
      schema: {
        summary: "This agent's configuration, health, counters and versions",
        tags: ["node"],
        querystring: { type: "object", additionalProperties: false, properties: {} },
        response: { 200: { type: "object", additionalProperties: true }, ...ERRORS },
      },
    },
    async () => host.info(),
  );

  app.get(
    "/v1/whoami",
    {
      schema: {
        summary: "Who the API takes the caller for, and the scope it holds",
        tags: ["node"],
        querystring: { type: "object", additionalProperties: false, properties: {} },
        response: {
          200: {
            type: "object",
            required: ["who", "scope"],
            properties: { who: { type: "string" }, scope: { type: "string" } },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return { who: caller.who, scope: caller.scope };
    },
  );

  app.get<{
    Querystring: { status?: string; tag?: string[]; name?: string; index?: number; wait?: string };
  }>(
    "/v1/members",
    {
      schema: {
        summary:
          "The members this agent knows, filtered by status, tags and name (a blocking read)",
        tags: ["members"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: { type: "string", enum: ["alive", "suspect", "dead", "left"] },
            tag: {
              type: "array",
              items: { type: "string", pattern: "^[^=]+=" },
              description: "KEY=REGEX, repeatable: the tag's value must match the regex",
            },
            name: { type: "string", description: "regular expression the name must match" },
            ...BLOCKING_QUERY,
          },
        },
        response: {
          200: {
            type: "object",
            required: ["members"],
            properties: { members: { type: "array", items: MEMBER_SCHEMA } },
          },
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const name = q.name === undefined ? undefined : regexParam(q.name, "name");
      const tags = (q.tag ?? []).map((pair) => {
        const at = pair.indexOf("=");
        return [pair.slice(0, at), regexParam(pair.slice(at + 1), "tag")] as const;
      });
      await blockIfAsked(q, host.events, "members", request, reply);
      const members = cluster
        .members()
        .filter((m) => q.status === undefined || m.status === q.status)
        .filter((m) => name === undefined || name.test(m.name))
        .filter((m) => tags.every(([k, re]) => m.tags[k] !== undefined && re.test(m.tags[k])))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(memberView);
      return { members };
    },
  );

  app.post(
    "/v1/leave",
    {
      schema: {
        summary: "Leave the cluster gracefully; the agent exits",
        tags: ["node"],
        querystring: { type: "object", additionalProperties: false, properties: {} },
        response: {
          200: {
            type: "object",
            required: ["name", "status"],
            properties: { name: { type: "string" }, status: { type: "string" } },
          },
          ...ERRORS,
        },
      },
    },
    async () => {
      assertRunning(cluster.status);
      await host.leave();
      return { name: cluster.name, status: "left" };
    },
  );

  app.get(
    "/v1/tags",
    {
      schema: {
        summary: "This node's tags",
        tags: ["node"],
        querystring: { type: "object", additionalProperties: false, properties: {} },
        response: { 200: TAGS_SCHEMA, ...ERRORS },
      },
    },
    async () => ({ tags: host.tags() }),
  );

  app.put<{ Body: unknown }>(
    "/v1/tags",
    {
      schema: {
        summary: "Add or replace tags (a 413 names the metadata limit when they grow too large)",
        tags: ["node"],
        querystring: { type: "object", additionalProperties: false, properties: {} },
        body: {
          content: {
            "application/json": {
              schema: { type: "object", additionalProperties: { type: "string" } },
            },
          },
        },
        response: { 200: TAGS_SCHEMA, ...ERRORS },
      },
    },
    async (request) => {
      const body = request.body;
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw new HttpError(400, 'body must be a JSON object of tags, e.g. {"role":"web"}');
      }
      const added: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) {
        if (typeof v !== "string") {
          throw new HttpError(400, `tag ${JSON.stringify(k)} must be a string`, {}, { field: k });
        }
        if (k === "") throw new HttpError(400, "tag names may not be empty");
        added[k] = v;
      }
      assertRunning(cluster.status);
      host.setTags({ ...host.tags(), ...added });
      return { tags: host.tags() };
    },
  );

  app.delete<{ Querystring: { key?: string[] }; Body: unknown }>(
    "/v1/tags",
    {
      schema: {
        summary: "Remove tags, named by ?key= (repeatable) or a body {keys: [...]}",
        tags: ["node"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { key: { type: "array", items: { type: "string" } } },
        },
        response: { 200: TAGS_SCHEMA, ...ERRORS },
      },
    },
    async (request) => {
      const keys = [...(request.query.key ?? [])];
      const body = request.body;
      if (body !== undefined && !(body instanceof Buffer && body.length === 0)) {
        const list = Array.isArray(body) ? body : (body as { keys?: unknown })?.keys;
        if (!Array.isArray(list) || !list.every((k) => typeof k === "string")) {
          throw new HttpError(400, 'body must be {"keys": ["<tag>", ...]}');
        }
        keys.push(...(list as string[]));
      }
      if (keys.length === 0) throw new HttpError(400, "name the tags to delete with ?key=<tag>");
      assertRunning(cluster.status);
      const tags = { ...host.tags() };
      for (const k of keys) delete tags[k];
      host.setTags(tags);
      return { tags: host.tags() };
    },
  );
}
