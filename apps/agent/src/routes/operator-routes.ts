import type { QueryOptions } from "@grapevine/cluster";
import type { RouteContext } from "../http-api.js";
import { HttpError } from "../http-errors.js";
import { ERRORS } from "../http-schemas.js";
import { openSse } from "../sse.js";
import { valueView } from "../views.js";
import { assertRunning, regexParam } from "./node-routes.js";

const NO_QUERY = { type: "object", additionalProperties: false, properties: {} } as const;

const SUMMARY_SCHEMA = {
  type: "object",
  required: ["expected", "acked", "responded", "missing", "complete"],
  properties: {
    expected: { type: "array", items: { type: "string" } },
    acked: { type: "array", items: { type: "string" } },
    responded: { type: "array", items: { type: "string" } },
    missing: { type: "array", items: { type: "string" } },
    complete: { type: "boolean" },
  },
} as const;

/** Most time a query may be given, ms. */
export const MAX_QUERY_TIMEOUT_MS = 5 * 60_000;

/** Text of a query's or event's payload: UTF-8, or base64 with `encoding`. */
function payloadOf(body: { payload?: string; encoding?: "base64" }): Uint8Array {
  const text = body.payload ?? "";
  return body.encoding === "base64"
    ? new Uint8Array(Buffer.from(text, "base64"))
    : Buffer.from(text);
}

/** Turns a `LibraryError` with a `code` into a 400/409 naming what is wrong. */
function refused(err: unknown): never {
  const e = err as { code?: unknown; message?: string; field?: unknown };
  if (e.code === "too-large") throw err;
  if (typeof e.code === "string") {
    const status = e.code === "member-alive" ? 409 : e.code === "unknown-member" ? 404 : 400;
    throw new HttpError(
      status,
      e.message ?? String(err),
      {},
      { reason: e.code },
      status === 400 ? "bad-request" : undefined,
    );
  }
  throw err;
}

/**
 * The operator's verbs: `POST /v1/join`, `/v1/event`, `/v1/query` (answers streamed as
 * Server-Sent Events), `/v1/force-leave`, and `GET /v1/reachability`.
 */
export function registerOperatorRoutes({ app, host }: RouteContext): void {
  const { cluster } = host;

  app.post<{ Body: { addresses: string[] } }>(
    "/v1/join",
    {
      schema: {
        summary: "Join the cluster through these addresses now; reports why each that failed did",
        tags: ["operator"],
        querystring: NO_QUERY,
        body: {
          type: "object",
          required: ["addresses"],
          additionalProperties: false,
          properties: {
            addresses: {
              type: "array",
              minItems: 1,
              maxItems: 64,
              items: { type: "string", minLength: 1 },
            },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["joined", "failures"],
            properties: {
              joined: { type: "integer", description: "members that answered" },
              failures: {
                type: "array",
                items: {
                  type: "object",
                  required: ["seed", "code", "cause"],
                  properties: {
                    seed: { type: "string" },
                    address: { type: "string" },
                    code: {
                      type: "string",
                      enum: [
                        "unreachable",
                        "refused",
                        "timeout",
                        "tls",
                        "key-mismatch",
                        "label-mismatch",
                        "scheme-unsupported",
                        "no-answer",
                      ],
                    },
                    cause: { type: "string" },
                  },
                },
              },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (request, reply) => {
      assertRunning(cluster.status);
      const result = await host.join(request.body.addresses);
      return reply.code(result.joined > 0 ? 200 : 502).send(result);
    },
  );

  app.post<{ Body: { name: string; payload?: string; encoding?: "base64"; coalesce?: boolean } }>(
    "/v1/event",
    {
      schema: {
        summary: "Send a user event to every member (gossiped, not kept)",
        tags: ["operator"],
        querystring: NO_QUERY,
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: {
            name: { type: "string", minLength: 1 },
            payload: { type: "string" },
            encoding: { type: "string", enum: ["base64"] },
            coalesce: {
              type: "boolean",
              description:
                "receivers may coalesce it (Serf's coalesce): of a burst of events of this name, agents deliver only the newest, once none came for 200 ms (at most 1 s after the first), with `coalesced` counting the burst (default false)",
            },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["name", "bytes"],
            properties: { name: { type: "string" }, bytes: { type: "integer" } },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      assertRunning(cluster.status);
      const payload = payloadOf(request.body);
      try {
        host.sendEvent(request.body.name, payload, request.body.coalesce ?? false);
      } catch (err) {
        refused(err);
      }
      return { name: request.body.name, bytes: payload.length };
    },
  );

  app.post<{
    Body: {
      name: string;
      payload?: string;
      encoding?: "base64";
      nodes?: string[];
      tags?: Record<string, string>;
      timeoutMs?: number;
      requestAck?: boolean;
      relayFactor?: number;
    };
  }>(
    "/v1/query",
    {
      schema: {
        summary:
          "Send a query; acks and answers stream back as Server-Sent Events (ack, response), then a summary event",
        tags: ["operator"],
        querystring: NO_QUERY,
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: {
            name: { type: "string", minLength: 1 },
            payload: { type: "string" },
            encoding: { type: "string", enum: ["base64"] },
            nodes: {
              type: "array",
              items: { type: "string" },
              description: "only these members answer",
            },
            tags: {
              type: "object",
              additionalProperties: { type: "string" },
              description: "tag name → regular expression the whole value must match",
            },
            timeoutMs: { type: "integer", minimum: 1, maximum: MAX_QUERY_TIMEOUT_MS },
            requestAck: { type: "boolean" },
            relayFactor: { type: "integer", minimum: 0, maximum: 5 },
          },
        },
        produces: ["text/event-stream"],
        response: { 200: { type: "string" }, ...ERRORS },
      },
    },
    async (request, reply) => {
      assertRunning(cluster.status);
      const b = request.body;
      for (const [k, v] of Object.entries(b.tags ?? {})) regexParam(v, `tags.${k}`);
      const options: QueryOptions = {
        ...(b.nodes !== undefined || b.tags !== undefined
          ? {
              filter: {
                ...(b.nodes ? { names: b.nodes } : {}),
                ...(b.tags ? { tags: b.tags } : {}),
              },
            }
          : {}),
        ...(b.timeoutMs !== undefined ? { timeoutMs: b.timeoutMs } : {}),
        requestAck: b.requestAck ?? true,
        ...(b.relayFactor !== undefined ? { relayFactor: b.relayFactor } : {}),
      };
      let query: ReturnType<typeof cluster.query>;
      try {
        query = cluster.query(b.name, payloadOf(b), options);
      } catch (err) {
        refused(err);
      }
      host.countQuery();
      reply.hijack();
      const stream = openSse(
        reply.raw,
        { "x-grapevine-index": String(host.events.index) },
        `query ${b.name}`,
        () => undefined,
      );
      stream.send("started", { id: query.id, expected: query.expected });
      for await (const answer of query) {
        if (answer.kind === "ack") stream.send("ack", { from: answer.from });
        else
          stream.send("response", {
            from: answer.from,
            ...valueView(answer.payload ?? new Uint8Array()),
          });
      }
      const summary = await query.summary;
      stream.send("summary", {
        expected: summary.expected,
        acked: summary.acked,
        responded: summary.responded,
        missing: summary.missing,
        complete: summary.complete,
      });
      stream.end();
    },
  );

  app.post<{ Body: { name: string; prune?: boolean } }>(
    "/v1/force-leave",
    {
      schema: {
        summary: "Move a failed member to left on every member; with prune, forget it at once",
        tags: ["operator"],
        querystring: NO_QUERY,
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: { name: { type: "string", minLength: 1 }, prune: { type: "boolean" } },
        },
        response: {
          200: {
            type: "object",
            required: ["name", "pruned"],
            properties: { name: { type: "string" }, pruned: { type: "boolean" } },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      assertRunning(cluster.status);
      const { name, prune } = request.body;
      try {
        cluster.forceLeave(name, { prune: prune ?? false });
      } catch (err) {
        refused(err);
      }
      return { name, pruned: prune ?? false };
    },
  );

  app.get<{ Querystring: { timeout?: number } }>(
    "/v1/reachability",
    {
      schema: {
        summary: "Query every member (ping, with acks) and report who did not answer",
        tags: ["operator"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            timeout: {
              type: "integer",
              minimum: 1,
              maximum: MAX_QUERY_TIMEOUT_MS,
              description: "ms",
            },
          },
        },
        response: { 200: SUMMARY_SCHEMA, ...ERRORS },
      },
    },
    async (request) => {
      assertRunning(cluster.status);
      const t = request.query.timeout;
      const query = cluster.query("ping", "", {
        requestAck: true,
        ...(t !== undefined ? { timeoutMs: t } : {}),
      });
      host.countQuery();
      for await (const _ of query) {
        // The summary has everything; the answers are only drained.
      }
      const s = await query.summary;
      return {
        expected: s.expected,
        acked: s.acked,
        responded: s.responded,
        missing: s.missing,
        complete: s.complete,
      };
    },
  );
}
