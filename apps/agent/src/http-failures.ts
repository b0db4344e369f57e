import type { FastifyError, FastifyRequest } from "fastify";
import { ERROR_CODES, HttpError } from "./http-errors.js";

/** Names the query parameter, field or limit at fault in a schema failure. */
function validationError(err: FastifyError): HttpError {
  const first = err.validation?.[0];
  const where = err.validationContext ?? "request";
  if (first === undefined) return new HttpError(400, err.message);
  const params = first.params as Record<string, unknown>;
  const field = first.instancePath.replace(/^\//, "").replaceAll("/", ".");
  if (first.keyword === "additionalProperties") {
    const name = String(params.additionalProperty);
    if (where === "querystring") {
      return new HttpError(
        400,
        `unknown query parameter ${JSON.stringify(name)}`,
        {},
        {
          parameter: name,
        },
      );
    }
    const at = field === "" ? where : `${where} ${field}`;
    return new HttpError(400, `${at}: unknown field ${JSON.stringify(name)}`, {}, { field: name });
  }
  const allowed = Array.isArray(params.allowedValues)
    ? ` (${(params.allowedValues as unknown[]).join(", ")})`
    : "";
  const name = field === "" ? where : field;
  const detail = where === "querystring" ? { parameter: name } : { field: name };
  return new HttpError(400, `${name} ${first.message ?? "is not valid"}${allowed}`, {}, detail);
}

/** The HTTP error an exception thrown by a route or by Fastify becomes (a `LimitError` is 413 naming its limit). */
export function asHttpError(
  err: unknown,
  maxBodyBytes: number,
  request: FastifyRequest,
): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as Partial<FastifyError> & {
    field?: unknown;
    limit?: unknown;
    actual?: unknown;
  };
  if (e.validation !== undefined) return validationError(e as FastifyError);
  if (e.code === "too-large" && typeof e.limit === "number") {
    return new HttpError(
      413,
      e.message ?? "too large",
      {},
      {
        field: e.field,
        limit: e.limit,
        actual: e.actual,
      },
    );
  }
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    const declared = Number(request.headers["content-length"] ?? Number.NaN);
    return new HttpError(
      413,
      `request body over ${maxBodyBytes} bytes (the request-body limit, httpLimits.maxBodyBytes)`,
      {},
      {
        field: "body",
        limit: maxBodyBytes,
        ...(Number.isFinite(declared) ? { actual: declared } : {}),
      },
    );
  }
  const status = typeof e.statusCode === "number" && e.statusCode >= 400 ? e.statusCode : 500;
  return new HttpError(status, e.message ?? String(err), {}, {}, ERROR_CODES[status]);
}
