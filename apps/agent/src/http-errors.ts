/**
 * The one error body of every route: `{"error": {"code", "message", ...details}}`. `code` is
 * stable (clients may branch on it); `message` is for people; details depend on the code
 * (`too-large`: `limit` and `actual` bytes, and `field` when a value, key or tag is too large;
 * `forbidden`: `scope` and `required`; `method-not-allowed`: `allow`; `rate-limited`:
 * `retryAfterMs`; `bad-request` from a schema: `parameter` or `field`).
 */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string } & Record<string, unknown>;
}

/** Stable error codes for the statuses the routes answer with. */
export const ERROR_CODES: Readonly<Record<number, string>> = {
  400: "bad-request",
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  405: "method-not-allowed",
  408: "timeout",
  409: "conflict",
  413: "too-large",
  415: "unsupported-media-type",
  421: "host-not-allowed",
  429: "rate-limited",
  431: "too-large",
  500: "internal",
  502: "bad-gateway",
  503: "unavailable",
};

/** A request failed in a way the client should hear about, with an HTTP status. */
export class HttpError extends Error {
  /** The stable code of the error body. */
  readonly code: string;
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly details: Readonly<Record<string, unknown>> = {},
    code?: string,
  ) {
    super(message);
    this.code = code ?? ERROR_CODES[status] ?? "error";
  }

  /** The body answered for this error. */
  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** JSON schema of {@link ApiErrorBody}, for the route schemas and the OpenAPI document. */
export const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" } },
      additionalProperties: true,
    },
  },
} as const;
