import { isIP } from "node:net";
import { UsageError } from "./errors.js";

/** Where the local HTTP API listens, or where a client finds it. */
export interface HttpAddress {
  /** `https` when the API is served over TLS (`--http https://HOST:PORT`); default `http`. */
  readonly scheme?: "http" | "https";
  /** Host name or IP literal (IPv6 without brackets). */
  readonly host: string;
  /** TCP port; 0 asks the OS for a free one (listening only). */
  readonly port: number;
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`, `http://HOST:PORT` or `https://HOST:PORT` (a trailing `/`
 * is allowed). Without a scheme the address is plain HTTP.
 *
 * @param what names the option in the error message.
 */
export function parseHttpAddress(value: string, what: string): HttpAddress {
  const trimmed = value.trim();
  const scheme = /^https:\/\//i.test(trimmed) ? "https" : "http";
  const text = trimmed.replace(/^https?:\/\//i, "").replace(/\/$/, "");
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:/[\]\s]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65_535 || /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new UsageError(
      `${what}: expected HOST:PORT, http://HOST:PORT or https://HOST:PORT (e.g. 127.0.0.1:7950), got ${JSON.stringify(value)}`,
    );
  }
  const host = m[1] ?? m[2] ?? "";
  if (m[1] !== undefined && isIP(host) !== 6) {
    throw new UsageError(`${what}: ${JSON.stringify(host)} is not an IPv6 address`);
  }
  return scheme === "https" ? { scheme, host, port } : { host, port };
}

/** `http://host:port` (or `https://`) for an address, with brackets around IPv6 literals. */
export function httpUrl(address: HttpAddress): string {
  const host = isIP(address.host) === 6 ? `[${address.host}]` : address.host;
  return `${address.scheme ?? "http"}://${host}:${address.port}`;
}
