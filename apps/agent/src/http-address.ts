import { isIP } from "node:net";
import { UsageError } from "./errors.js";

/** Where the local HTTP API listens, or where a client finds it. */
export interface HttpAddress {
  /** Host name or IP literal (IPv6 without brackets). */
  readonly host: string;
  /** TCP port; 0 asks the OS for a free one (listening only). */
  readonly port: number;
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT` or `http://HOST:PORT` (a trailing `/` is allowed).
 *
 * @param what names the option in the error message.
 */
export function parseHttpAddress(value: string, what: string): HttpAddress {
  const text = value
    .trim()
    .replace(/^http:\/\//, "")
    .replace(/\/$/, "");
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:/[\]\s]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65_535) {
    throw new UsageError(
      `${what}: expected HOST:PORT (e.g. 127.0.0.1:7950), got ${JSON.stringify(value)}`,
    );
  }
  const host = m[1] ?? m[2] ?? "";
  if (m[1] !== undefined && isIP(host) !== 6) {
    throw new UsageError(`${what}: ${JSON.stringify(host)} is not an IPv6 address`);
  }
  return { host, port };
}

/** `http://host:port` for an address, with brackets around IPv6 literals. */
export function httpUrl(address: HttpAddress): string {
  const host = isIP(address.host) === 6 ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}`;
}
