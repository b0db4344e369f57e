import { RuntimeError } from "./errors.js";
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
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return "no answer in time";
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "unknown host";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      if (cause?.message === "bad port") return "fetch refuses to connect to this port";
      return cause?.message ?? (err instanceof Error ? err.message : String(err));
  }
}

/**
 * Talks to a running agent's HTTP API. Every failure becomes a one-line {@link RuntimeError}:
 * an unreachable agent, or the `{error}` the agent answered with.
 */
export class AgentClient {
  /** `http://host:port` of the agent. */
  readonly base: string;

  constructor(address: HttpAddress) {
    this.base = httpUrl(address);
  }

  /** Sends a request; throws on transport failures, returns any HTTP status. */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    try {
      return await fetch(this.base + path, {
        method,
        ...(options.body !== undefined ? { body: options.body } : {}),
        headers: options.contentType ? { "content-type": options.contentType } : {},
        signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new RuntimeError(
        `cannot reach the agent at ${this.base}: ${describeFetchError(err)} (is it running? choose one with --http HOST:PORT)`,
      );
    }
  }

  /**
   * Sends a request and parses the JSON answer. Statuses of 400 and up throw the agent's error
   * message.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const res = await this.raw(method, path, options);
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new RuntimeError(
        `agent at ${this.base} broke off its answer: ${describeFetchError(err)}`,
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
    if (res.status >= 400) {
      const message = (body as { error?: unknown } | undefined)?.error;
      throw new RuntimeError(
        typeof message === "string" ? message : `agent answered HTTP ${res.status}`,
      );
    }
    return { status: res.status, body };
  }
}
