import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AgentConfig, SettingFile } from "./config.js";
import { UsageError } from "./errors.js";
import { httpUrl } from "./http-address.js";
import { isLoopbackHost } from "./http-guard.js";
import { readTokenFile, TokenSet } from "./http-tokens.js";
import type { AgentLogger } from "./logger.js";
import { checkCertificate } from "./tls-check.js";

/** The HTTP API's server: plain `node:http`, or `node:https` with `--http https://...`. */
export type ApiServer = HttpServer | HttpsServer;

function readPem(file: SettingFile): Buffer {
  try {
    return readFileSync(file.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${file.label} ${file.path}: cannot read (${code === "ENOENT" ? "no such file" : (code ?? "unknown error")})`,
    );
  }
}

/**
 * Creates the API's server with the limits of `config.httpSecurity.limits`: the request head
 * must arrive within `headerTimeoutMs` (checked every second at most, not Node's default 30 s,
 * so a slow-header client is cut off promptly), the whole request within `requestTimeoutMs`,
 * idle kept-alive connections close after `idleTimeoutMs`, and heads over `maxHeaderBytes`
 * get 431. With `https`, the certificate and key are checked first (a bad file is a
 * {@link UsageError} naming the setting), and with a client CA every client must present a
 * certificate it signed, or the TLS handshake fails.
 */
export function createApiServer(config: AgentConfig): ApiServer {
  const { limits, tlsCert, tlsKey, clientCa } = config.httpSecurity;
  if (limits.headerTimeoutMs > limits.requestTimeoutMs) {
    throw new UsageError(
      "httpLimits: headerTimeout may not be longer than requestTimeout (the head is part of the request)",
    );
  }
  const options = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headerTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    connectionsCheckingInterval: Math.max(
      50,
      Math.min(1000, Math.floor(limits.headerTimeoutMs / 4)),
    ),
    requireHostHeader: true,
  };
  if (config.http.scheme !== "https") return createHttpServer(options);
  if (tlsCert === undefined || tlsKey === undefined) {
    throw new UsageError("--http https://...: needs --http-tls-cert and --http-tls-key");
  }
  const cert = readPem(tlsCert);
  const key = readPem(tlsKey);
  checkCertificate(cert, key, tlsCert.path, new Date(), {
    cert: tlsCert.label,
    key: tlsKey.label,
  });
  return createHttpsServer({
    ...options,
    cert,
    key,
    minVersion: "TLSv1.2",
    handshakeTimeout: limits.headerTimeoutMs,
    ...(clientCa === undefined
      ? {}
      : { ca: readPem(clientCa), requestCert: true, rejectUnauthorized: true }),
  });
}

/**
 * The API tokens of a running agent: read from the token file at start and again on
 * {@link reload} (SIGHUP). A reload that fails keeps the tokens loaded before.
 */
export class TokenStore {
  private tokens: TokenSet | undefined;

  constructor(private readonly file: SettingFile | undefined) {
    this.tokens =
      file === undefined ? undefined : new TokenSet(readTokenFile(file.path, label(file)));
  }

  /** The tokens accepted now; undefined when the agent has no token file. */
  current(): TokenSet | undefined {
    return this.tokens;
  }

  /**
   * Reads the token file again. Returns how many tokens are accepted now; throws
   * {@link UsageError} (and keeps the old tokens) when the file is bad.
   */
  reload(): number {
    if (this.file === undefined)
      throw new UsageError("no token file to reload (--http-token-file)");
    this.tokens = new TokenSet(readTokenFile(this.file.path, label(this.file)));
    return this.tokens.size;
  }
}

function label(file: SettingFile): string {
  return `${file.label} ${file.path}`;
}

/**
 * Logs what an operator must know about how the API is exposed: no authentication on a
 * non-loopback address (`--http-insecure`), tokens sent in plaintext over the network, a token
 * file with no tokens.
 */
export function logApiExposure(
  config: AgentConfig,
  url: string,
  tokens: TokenStore,
  logger: AgentLogger,
): void {
  const sec = config.httpSecurity;
  const exposed = !isLoopbackHost(config.http.host);
  const count = tokens.current()?.size;
  if (count === 0) {
    logger.warn(
      { tokenFile: sec.tokenFile?.path },
      "the API token file has no tokens: every call but the open paths is refused (401)",
    );
  }
  if (!exposed) return;
  if (count === undefined && sec.clientCa === undefined) {
    logger.warn(
      { http: url },
      "the HTTP API has no authentication on a non-loopback address (--http-insecure): anyone who can reach it can change this node, make it leave and rotate the cluster's keys",
    );
  } else if (config.http.scheme !== "https") {
    logger.warn(
      { http: url },
      "API tokens cross the network in plaintext on a non-loopback address: serve the API over TLS (--http https://... --http-tls-cert --http-tls-key)",
    );
  } else {
    logger.info(
      {
        http: url,
        tokens: count ?? 0,
        clientCertificates: sec.clientCa !== undefined,
      },
      "the HTTP API is reachable from other hosts",
    );
  }
}

/** `https://host:port` or `http://host:port` of the API once bound. */
export function apiUrl(config: AgentConfig, port: number): string {
  return httpUrl({ ...config.http, port });
}
