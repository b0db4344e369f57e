import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { TLSSocket } from "node:tls";
import { scopeAllows, type TokenScope, type TokenSet } from "./http-tokens.js";

/** What a route needs from its caller. */
export interface RouteRule {
  /** `open`: anyone who passes the Host and Origin checks; otherwise the token scope needed. */
  readonly scope: "open" | TokenScope;
  /** True for routes that change this node or the cluster: audited, rate-limited, never simple. */
  readonly changes: boolean;
  /** True for routes that make the whole cluster work (key operations): rate-limited. */
  readonly costly: boolean;
}

/** Who is calling, as the audit log names them; never the token itself. */
export interface Caller {
  /** `token:NAME`, `cert:SUBJECT` or `anonymous`. */
  readonly who: string;
  /** The scope the caller holds; `keys` (everything) when the API has no tokens. */
  readonly scope: TokenScope;
}

/** Why a request was refused before it reached its route; the label of the refusal counter. */
export type RefusalReason =
  | "host"
  | "origin"
  | "missing-token"
  | "invalid-token"
  | "insufficient-scope"
  | "simple-request"
  | "rate-limited";

/** A request the guard refuses, with what to answer. */
export interface Refusal {
  readonly reason: RefusalReason;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Who the caller is, when the refusal came after identifying them. */
  readonly who?: string;
}

/** The HTTP API's protections, as the agent configures them. */
export interface GuardOptions {
  /** `https` when the API is served over TLS. */
  readonly scheme: "http" | "https";
  /** The address the API is bound to (`0.0.0.0` and `::` mean every local address). */
  readonly bindHost: string;
  /** The port the API listens on (known once it is bound). */
  readonly port: () => number;
  /** Extra names the API may be called by (a DNS name, a proxy's name), lowercase. */
  readonly allowHosts: readonly string[];
  /** Origins of other sites allowed to call the API from a browser (CORS), e.g. `https://ops.example`. */
  readonly allowOrigins: readonly string[];
  /** Paths served without a token even when tokens are configured (`/health`, `/metrics`). */
  readonly openPaths: ReadonlySet<string>;
  /** The tokens accepted now (reloaded on SIGHUP); undefined: the API has no tokens. */
  readonly tokens: () => TokenSet | undefined;
}

/** Names every agent answers to, whatever its bind address: the loopback ones. */
function isLoopbackName(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** True when `host` (a `--http` host) is a loopback address or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return isLoopbackName(h) || h === "::ffff:127.0.0.1";
}

/** True when `host` means every local address. */
export function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "";
}

/**
 * Splits a `Host` header into a lowercase host name (IPv6 without brackets, no trailing dot)
 * and its port; undefined when it is not `host[:port]`.
 */
export function parseHostHeader(value: string): { host: string; port?: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/@]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  const host = (m[1] ?? m[2] ?? "").toLowerCase().replace(/\.$/, "");
  if (host === "") return undefined;
  return m[3] === undefined ? { host } : { host, port: Number(m[3]) };
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(a.address.toLowerCase().replace(/%.*$/, ""));
  }
  return out;
}

const SIMPLE_TYPES = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain",
]);

/**
 * True when a browser could send this request to another site without asking first (a CORS
 * "simple" request, Fetch standard §3.2.3): method GET, HEAD or POST, no header outside the
 * safelist, and no `Content-Type` or one of the three form types. A state-changing request that
 * is simple may come from any web page the operator opens, so the API refuses it. Anything else
 * passes: a browser sends it cross-site only after a preflight that the API answers only for
 * allowed origins.
 */
export function isSimpleRequest(req: IncomingMessage): boolean {
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD" && method !== "POST") return false;
  if (req.headers.authorization !== undefined) return false;
  if (req.headers["x-grapevine-request"] !== undefined) return false;
  const type = req.headers["content-type"];
  if (type === undefined) return true;
  const essence = (type.split(";")[0] ?? "").trim().toLowerCase();
  return SIMPLE_TYPES.has(essence) || !/^[!#$%&'*+.^`|~\w-]+\/[!#$%&'*+.^`|~\w-]+$/.test(essence);
}

/** The subject of the client certificate, when the API requires one. */
function certificateSubject(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== "function" || socket.authorized !== true) {
    return undefined;
  }
  const subject = socket.getPeerCertificate().subject as
    | Record<string, string | string[]>
    | undefined;
  if (!subject) return undefined;
  const cn = subject.CN;
  return Array.isArray(cn) ? cn.join(",") : (cn ?? Object.values(subject).flat().join(","));
}

/**
 * The checks every request passes before its route runs, in order: the `Host` header names this
 * agent (DNS rebinding), an `Origin` header is this agent's own or an allowed one (cross-site
 * requests), the bearer token is valid and has the route's scope, and a state-changing request is
 * not a CORS simple request. The rate limit on writes is applied by the API after these.
 */
export class HttpGuard {
  private readonly names: Set<string>;
  private readonly origins: Set<string>;

  constructor(private readonly options: GuardOptions) {
    this.names = new Set(options.allowHosts.map((h) => h.toLowerCase().replace(/\.$/, "")));
    const bind = options.bindHost.toLowerCase();
    if (!isWildcardHost(bind)) this.names.add(bind);
    this.origins = new Set(options.allowOrigins.map((o) => o.toLowerCase()));
  }

  /** True when `host` (lowercase, no brackets) is one of this agent's names. */
  isOwnName(host: string): boolean {
    if (isLoopbackName(host) || this.names.has(host)) return true;
    // Bound to every address: its own addresses are its names; asked afresh, as they change.
    return isWildcardHost(this.options.bindHost) && isIP(host) !== 0 && localAddresses().has(host);
  }

  /** True when `origin` is this agent's own origin (under any of its names) or an allowed one. */
  isAllowedOrigin(origin: string): boolean {
    if (this.origins.has(origin.toLowerCase())) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== `${this.options.scheme}:` || url.origin !== origin.toLowerCase()) {
      return false;
    }
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    return port === this.options.port() && this.isOwnName(host);
  }

  /** True when `origin` was configured as allowed, so CORS headers are sent to it. */
  isCorsOrigin(origin: string): boolean {
    return this.origins.has(origin.toLowerCase());
  }

  /** Refuses requests that name another host or come from a foreign page; undefined: passed. */
  checkSite(req: IncomingMessage): Refusal | undefined {
    const host = parseHostHeader(req.headers.host ?? "");
    if (host === undefined || !this.isOwnName(host.host)) {
      return {
        reason: "host",
        status: 421,
        code: "host-not-allowed",
        message: `Host ${JSON.stringify(req.headers.host ?? "")} is not a name of this agent (add it with --http-allow-host)`,
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.isAllowedOrigin(origin)) {
      return {
        reason: "origin",
        status: 403,
        code: "origin-not-allowed",
        message: `requests from pages of ${JSON.stringify(origin)} are not allowed (add it with --http-allow-origin)`,
      };
    }
    return undefined;
  }

  /**
   * Identifies the caller and checks the route's scope and, for state-changing routes, that the
   * request is not simple. Returns the caller or the refusal.
   */
  authorize(req: IncomingMessage, path: string, rule: RouteRule): Caller | Refusal {
    const caller = this.identify(req, path, rule);
    if ("reason" in caller) return caller;
    if (rule.changes && isSimpleRequest(req)) {
      return {
        who: caller.who,
        reason: "simple-request",
        status: 403,
        code: "simple-request",
        message:
          "a request that changes state must send Content-Type: application/json or the header X-Grapevine-Request: 1 (a web page cannot send either to another site)",
      };
    }
    return caller;
  }

  private identify(req: IncomingMessage, path: string, rule: RouteRule): Caller | Refusal {
    const subject = certificateSubject(req);
    const tokens = this.options.tokens();
    const anonymous: Caller = {
      who: subject === undefined ? "anonymous" : `cert:${subject}`,
      scope: "keys",
    };
    if (tokens === undefined) return anonymous;
    const open = rule.scope === "open" || this.options.openPaths.has(path);
    const header = req.headers.authorization;
    if (header === undefined) {
      if (open) return anonymous;
      return this.unauthorized(
        "missing-token",
        "this API needs a token: Authorization: Bearer <token>",
      );
    }
    const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
    const id = m?.[1] === undefined ? undefined : tokens.identify(m[1]);
    if (id === undefined) {
      return this.unauthorized(
        "invalid-token",
        "the token is not valid (revoked, mistyped, or not Bearer)",
      );
    }
    const need = rule.scope === "open" ? "read" : rule.scope;
    const caller = { who: `token:${id.name}`, scope: id.scope };
    if (!open && !scopeAllows(id.scope, need)) {
      return {
        who: caller.who,
        reason: "insufficient-scope",
        status: 403,
        code: "forbidden",
        message: `token ${id.name} has scope ${id.scope}; this route needs ${need}`,
        details: { scope: id.scope, required: need },
      };
    }
    return caller;
  }

  private unauthorized(reason: "missing-token" | "invalid-token", message: string): Refusal {
    return {
      reason,
      status: 401,
      code: "unauthorized",
      message,
      headers: {
        "www-authenticate": `Bearer realm="grapevine"${reason === "invalid-token" ? ', error="invalid_token"' : ""}`,
      },
    };
  }
}
