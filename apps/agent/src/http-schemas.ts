import type { FastifyReply, FastifyRequest } from "fastify";
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";
import type { EventKind, EventLog } from "./event-log.js";
import { ERROR_SCHEMA, HttpError } from "./http-errors.js";

/** Longest `?wait=` of a blocking read, ms (Consul's cap). */
export const MAX_WAIT_MS = 10 * 60_000;
/** `?wait=` when only `?index=` is given, ms. */
export const DEFAULT_WAIT_MS = 5 * 60_000;

/** JSON schema of a member (see `memberView`). */
export const MEMBER_SCHEMA = {
  type: "object",
  required: ["name", "status", "addresses", "tags", "incarnation", "generation", "local"],
  properties: {
    name: { type: "string" },
    status: { type: "string", enum: ["alive", "suspect", "dead", "left"] },
    addresses: { type: "array", items: { type: "string" } },
    tags: { type: "object", additionalProperties: { type: "string" } },
    incarnation: { type: "number" },
    generation: { type: "number" },
    local: { type: "boolean" },
  },
} as const;

/** JSON schema of one key of one node (see `valueView`). */
export const ENTRY_SCHEMA = {
  type: "object",
  required: ["node", "key", "value", "version"],
  properties: {
    node: { type: "string" },
    key: { type: "string" },
    value: { type: "string", description: "UTF-8 text, or base64 when encoding is base64" },
    encoding: { type: "string", enum: ["base64"] },
    version: { type: "number" },
  },
} as const;

/** The error answers every route may give. */
export const ERRORS = {
  "4xx": ERROR_SCHEMA,
  "5xx": ERROR_SCHEMA,
} as const;

/**
 * The key of a `/v1/<resource>/<key>` route: everything after the resource, `/` included,
 * percent-decoded; an empty one is a 404 that says `hint`.
 */
export function wildcardKey(request: FastifyRequest, hint: string): string {
  const raw = (request.params as { "*"?: string })["*"] ?? "";
  if (raw === "") throw new HttpError(404, hint);
  return raw;
}

/** A value written through the API: the raw body, or JSON `{"value", "encoding"?}`. */
export const VALUE_BODY = {
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["value"],
        additionalProperties: false,
        properties: {
          value: { type: "string" },
          encoding: { type: "string", enum: ["base64"] },
        },
      },
    },
  },
} as const;

/** The bytes of a {@link VALUE_BODY}: raw bytes as sent, JSON text as UTF-8 or base64. */
export function bodyValue(body: unknown): Uint8Array {
  if (body instanceof Buffer) return new Uint8Array(body);
  if (body === undefined) return new Uint8Array();
  const { value, encoding } = body as { value: string; encoding?: "base64" };
  return new Uint8Array(Buffer.from(value, encoding === "base64" ? "base64" : "utf8"));
}

/** `?index=N&wait=DURATION`: the parameters of a blocking read. */
export const BLOCKING_QUERY = {
  index: {
    type: "integer",
    minimum: 0,
    description: "wait until the agent's event index moves past this (X-Grapevine-Index)",
  },
  wait: {
    type: "string",
    pattern: "^[0-9]+(ms|s|m)?$",
    description: "longest wait of a blocking read: 500ms, 30s, 5m (default 5m, at most 10m)",
  },
} as const;

/**
 * Waits as a blocking read asks (`?index=N&wait=D`): until an event of `kind` moves the index past
 * N, the wait ends or the client goes away. Returns at once without `index`.
 */
export async function blockIfAsked(
  query: { index?: number; wait?: string },
  events: EventLog,
  kind: EventKind,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  if (query.index === undefined) {
    if (query.wait !== undefined) {
      throw new HttpError(
        400,
        "wait needs index (the X-Grapevine-Index to wait past)",
        {},
        {
          parameter: "wait",
        },
      );
    }
    return;
  }
  let waitMs = DEFAULT_WAIT_MS;
  if (query.wait !== undefined) {
    try {
      waitMs = parseDuration(query.wait, "wait");
    } catch (err) {
      throw new HttpError(
        400,
        err instanceof UsageError ? err.message : "bad wait",
        {},
        {
          parameter: "wait",
        },
      );
    }
    if (waitMs > MAX_WAIT_MS) {
      throw new HttpError(
        400,
        `wait may be at most ${MAX_WAIT_MS / 60_000}m`,
        {},
        {
          parameter: "wait",
          limit: MAX_WAIT_MS,
        },
      );
    }
  }
  const gone = new AbortController();
  const onClose = () => gone.abort();
  reply.raw.once("close", onClose);
  request.raw.once("close", onClose);
  try {
    await events.waitPast(query.index, kind, waitMs, gone.signal);
  } finally {
    reply.raw.off("close", onClose);
    request.raw.off("close", onClose);
  }
}
