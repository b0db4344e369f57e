import { parseDuration } from "../duration.js";
import { UsageError } from "../errors.js";
import type { RouteContext } from "../http-api.js";
import { HttpError } from "../http-errors.js";
import { ERRORS } from "../http-schemas.js";
import {
  incompleteMessage,
  KeyOpError,
  type KeyOpName,
  type KeyOpReport,
  keyOpComplete,
} from "../key-ops.js";

/** Default time a key operation waits for answers, ms. */
export const DEFAULT_KEY_TIMEOUT_MS = 5000;
/** Longest time a key operation may wait for answers, ms. */
export const MAX_KEY_TIMEOUT_MS = 60_000;

const TIMEOUT_QUERY = {
  type: "object",
  additionalProperties: false,
  properties: {
    timeout: {
      type: "string",
      description: `how long to wait for every member (default ${DEFAULT_KEY_TIMEOUT_MS}ms, at most ${MAX_KEY_TIMEOUT_MS / 1000}s)`,
    },
  },
} as const;

const NAMES = { type: "array", items: { type: "string" } } as const;

/** A key operation's report (`list` adds `keys` and `nodes`). */
const REPORT = {
  type: "object",
  required: ["op", "members", "acked", "failed", "missing", "down"],
  additionalProperties: true,
  properties: {
    op: { type: "string", enum: ["install", "use", "remove", "list"] },
    fingerprint: { type: "string" },
    members: {
      type: "integer",
      description: "members asked (alive or suspect), this one included",
    },
    acked: { ...NAMES, description: "members that applied it (list: answered)" },
    failed: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "error"],
        properties: { name: { type: "string" }, error: { type: "string" } },
      },
    },
    missing: { ...NAMES, description: "members asked that did not answer in time" },
    down: { ...NAMES, description: "members known dead when it was sent: not asked" },
  },
} as const;

function timeoutOf(timeout: string | undefined): number {
  if (timeout === undefined) return DEFAULT_KEY_TIMEOUT_MS;
  let ms: number;
  try {
    ms = parseDuration(timeout, "timeout");
  } catch (err) {
    throw new HttpError(
      400,
      err instanceof UsageError ? err.message : "bad timeout",
      {},
      {
        parameter: "timeout",
      },
    );
  }
  if (ms < 1 || ms > MAX_KEY_TIMEOUT_MS) {
    throw new HttpError(
      400,
      `timeout must be between 1ms and ${MAX_KEY_TIMEOUT_MS / 1000}s`,
      {},
      {
        parameter: "timeout",
      },
    );
  }
  return ms;
}

/**
 * `/v1/keys` (list) and `/v1/keys/{install,use,remove}`: the cluster's keyring. The answer is the
 * operation's report, member by member; 502 (code `not-every-member`, the report in `report`)
 * unless every member asked (alive or suspect when it was sent) applied it.
 */
export function registerKeysRoutes({ app, host }: RouteContext): void {
  const run = async (
    op: KeyOpName,
    key: string | undefined,
    timeout: string | undefined,
    force: boolean,
  ) => {
    const timeoutMs = timeoutOf(timeout);
    let report: KeyOpReport;
    try {
      report = await host.keyOp(op, key, { timeoutMs, force });
    } catch (err) {
      if (err instanceof KeyOpError) throw new HttpError(err.status, err.message);
      throw err;
    }
    if (keyOpComplete(report)) return report;
    throw new HttpError(502, incompleteMessage(report), {}, { report }, "not-every-member");
  };

  app.get<{ Querystring: { timeout?: string } }>(
    "/v1/keys",
    {
      schema: {
        summary: "Every key of every member's keyring (asks every member)",
        tags: ["keys"],
        querystring: TIMEOUT_QUERY,
        response: { 200: REPORT, ...ERRORS },
      },
    },
    async (request) => run("list", undefined, request.query.timeout, false),
  );

  for (const op of ["install", "use", "remove"] as const) {
    app.post<{ Querystring: { timeout?: string }; Body: { key?: unknown; force?: unknown } }>(
      `/v1/keys/${op}`,
      {
        schema: {
          summary: `${op} a key on every member`,
          tags: ["keys"],
          querystring: TIMEOUT_QUERY,
          body: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: { key: { type: "string" }, force: { type: "boolean" } },
                },
              },
            },
          },
          response: { 200: REPORT, ...ERRORS },
        },
      },
      async (request) => {
        const body = request.body;
        if (typeof body !== "object" || body === null || typeof body.key !== "string") {
          throw new HttpError(400, 'JSON body must be {"key": "<base64>"}');
        }
        if (body.force !== undefined && typeof body.force !== "boolean") {
          throw new HttpError(400, "force must be true or false");
        }
        return run(op, body.key, request.query.timeout, body.force === true);
      },
    );
  }
}
