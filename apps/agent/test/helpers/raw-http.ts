import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { pino } from "pino";
import type { AgentLogger } from "../../src/logger.js";

/** An answer to {@link send}. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The parsed JSON body, or undefined. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read many JSON shapes; each checks the fields it uses
  readonly json: any;
}

/** TLS settings and the source address of one request. */
export interface RawTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Local address to send from (any of 127.0.0.0/8 on Linux), to act as another client. */
  readonly localAddress?: string;
}

/**
 * Sends one request with exactly the headers given (Host and Origin included, which `fetch`
 * would not let a test choose) and resolves with the whole answer. Rejects on socket and TLS
 * errors; gives up after 5 s.
 */
export function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
  tls?: RawTls,
): Promise<RawAnswer> {
  const url = new URL(base);
  const https = url.protocol === "https:";
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      {
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port,
        method,
        path,
        headers: { connection: "close", ...headers },
        signal: AbortSignal.timeout(5000),
        ...(tls?.localAddress !== undefined ? { localAddress: tls.localAddress } : {}),
        ...(https ? { ...tls, agent: false } : {}),
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (t: string) => {
          text += t;
        });
        res.on("end", () => {
          let json: unknown;
          try {
            json = text === "" ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A logger whose lines (pino JSON objects) are kept for the test to read. */
export function capturingLogger(): { logger: AgentLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = {
    write(line: string) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  return { logger: pino({ level: "info", base: null }, sink), lines };
}
