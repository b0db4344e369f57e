import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { RuntimeError, UnreachableError, UsageError } from "./errors.js";
import { type HttpAddress, httpUrl } from "./http-address.js";

/** An answer from the agent's HTTP API. */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Options of one request. */
export interface RequestOptions {
  readonly body?: string | Uint8Array;
  readonly contentType?: string;
  /** Deadline of the whole request, ms (default 10,000); ignored when `signal` is given. */
  readonly timeoutMs?: number;
  /** Cancels the request instead of the deadline (for streams). */
  readonly signal?: AbortSignal;
  /** Error statuses whose JSON answer {@link AgentClient.request} returns instead of throwing. */
  readonly answerStatuses?: readonly number[];
}

/** How the client proves who it is and whom it trusts. */
export interface ClientCredentials {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** PEM CAs to trust for an `https://` agent (instead of the system's). */
  readonly ca?: Buffer;
  /** PEM client certificate and key, for an agent that requires one. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

const TLS_UNTRUSTED = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
]);

function describeError(err: unknown, scheme: string): string {
  const e = err as { name?: string; code?: string; message?: string; reason?: string };
  if (e.name === "TimeoutError" || e.name === "AbortError") return "no answer in time";
  const code = e.code ?? "";
  if (TLS_UNTRUSTED.has(code)) {
    return `TLS: the agent's certificate is not trusted (${code}); give its CA with --ca-file`;
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return `TLS: the agent's certificate does not name this host (${e.reason ?? e.message ?? ""})`;
  }
  if (code === "CERT_HAS_EXPIRED") return "TLS: the agent's certificate has expired";
  if (
    /certificate required|ALERT_CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE/i.test(
      `${code} ${e.message}`,
    )
  ) {
    return "TLS: the agent requires a client certificate it trusts (--client-cert, --client-key)";
  }
  if (code === "EPROTO" || code === "ERR_SSL_WRONG_VERSION_NUMBER") {
    return "TLS handshake failed (is the agent serving plain HTTP? then use http://)";
  }
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return scheme === "https"
        ? "connection reset (does the agent require a client certificate? --client-cert, --client-key)"
        : "connection reset (is the agent serving HTTPS? then use https://)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "unknown host";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      return e.message ?? String(err);
  }
}

/** Statuses whose answers have no body (the Response constructor refuses one). */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Talks to a running agent's HTTP API over HTTP or HTTPS, with a bearer token and client
 * certificate when given. Every failure becomes a one-line {@link RuntimeError}: an unreachable
 * agent, a TLS problem, or the error the agent answered with.
 */
export class AgentClient {
  /** `http://host:port` (or `https://`) of the agent. */
  readonly base: string;

  constructor(
    private readonly address: HttpAddress,
    private readonly credentials: ClientCredentials = {},
  ) {
    this.base = httpUrl(address);
  }

  /**
   * Sends a request; throws on transport and TLS failures, returns any HTTP status. Every
   * request carries `X-Grapevine-Request: 1`, so that the agent knows it does not come from a web
   * page of another site.
   */
  raw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const https = this.address.scheme === "https";
    const { token, ca, cert, key } = this.credentials;
    const headers: Record<string, string> = { "x-grapevine-request": "1" };
    if (options.contentType) headers["content-type"] = options.contentType;
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const signal = options.signal ?? AbortSignal.timeout(options.timeoutMs ?? 10_000);
    const send = https ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const fail = (err: unknown) =>
        reject(
          new UnreachableError(
            `cannot reach the agent at ${this.base}: ${describeError(err, https ? "https" : "http")} (is it running? choose one with --http HOST:PORT)`,
          ),
        );
      const req = send(
        this.base + path,
        {
          method,
          headers,
          signal,
          ...(https
            ? {
                ...(ca !== undefined ? { ca } : {}),
                ...(cert !== undefined ? { cert } : {}),
                ...(key !== undefined ? { key } : {}),
              }
            : {}),
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
          }
          const body = NO_BODY.has(status)
            ? null
            : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
          if (body === null) res.resume();
          resolve(new Response(body, { status, headers: responseHeaders }));
        },
      );
      req.on("error", fail);
      req.end(options.body === undefined ? undefined : Buffer.from(options.body));
    });
  }

  /**
   * Sends a request and parses the JSON answer. Statuses of 400 and up throw the agent's error
   * message (from `{"error": {"code", "message"}}`).
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const res = await this.raw(method, path, options);
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new RuntimeError(
        `agent at ${this.base} broke off its answer: ${describeError(err, "http")}`,
      );
    }
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new RuntimeError(
        `agent at ${this.base} answered ${res.status} with no JSON (is it a grapevine agent?)`,
      );
    }
    if (res.status >= 400 && !options.answerStatuses?.includes(res.status)) {
      const message = errorMessage(res.status, body, this.credentials);
      // The request itself was wrong (a bad value, too large): a usage error, exit 2.
      if (res.status === 400 || res.status === 413) throw new UsageError(message);
      throw new RuntimeError(message);
    }
    return { status: res.status, body };
  }
}

/** The message of an error answer, with a hint where the fix is on the client's side. */
function errorMessage(status: number, body: unknown, credentials: ClientCredentials): string {
  const error = (body as { error?: unknown } | undefined)?.error;
  const message =
    typeof error === "string"
      ? error
      : typeof (error as { message?: unknown } | undefined)?.message === "string"
        ? (error as { message: string }).message
        : `agent answered HTTP ${status}`;
  if (status === 401 && credentials.token === undefined) {
    return `${message} (set GRAPEVINE_HTTP_TOKEN or --token-file FILE)`;
  }
  return message;
}
