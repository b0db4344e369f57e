import { AddressError } from "./errors.js";

/**
 * A parsed address URL. Addresses are URLs with the transport's scheme (`udp://10.0.0.5:7946`,
 * `ws://host:8080/gossip`, `mem://n17`); a member advertises one per transport it listens on.
 */
export interface Address {
  /** `udp`, `ws`, `wss`, `mem`, ... (lower case, no colon). */
  readonly scheme: string;
  /** Host name or IP literal, without brackets; for `mem://name` the node name. */
  readonly host: string;
  /** Port number, or `undefined` where the scheme has none (`mem`). */
  readonly port: number | undefined;
  /** Path including the leading `/` (`ws://h:1/gossip` → `/gossip`); `""` when absent. */
  readonly path: string;
  /** True for an IPv6 literal host (written in brackets in the URL). */
  readonly ipv6: boolean;
  /** The canonical URL text: lower-case scheme, bracketed IPv6, no trailing slash. */
  readonly url: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i;
const NAME = /^[A-Za-z0-9._~-]+$/;

function fail(url: string, why: string): never {
  throw new AddressError(`invalid address ${JSON.stringify(url)}: ${why}`);
}

/**
 * Parses and validates an address URL (`udp://10.0.0.5:7946`, `udp://[::1]:7946`,
 * `ws://host:8080/gossip`, `mem://n17`). Host names are lower-cased; `mem://` takes a name of
 * `[A-Za-z0-9._~-]`, kept as written.
 * @throws AddressError (code `invalid-address`) with the reason on anything else.
 */
export function parseAddress(url: string): Address {
  if (typeof url !== "string" || url.length === 0) fail(String(url), "empty");
  if (url.length > 2048) fail(url.slice(0, 40), "longer than 2048 characters");
  const m = SCHEME.exec(url);
  if (!m) fail(url, "expected scheme://host[:port][/path]");
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === "mem") {
    if (!NAME.test(rest)) fail(url, "a mem:// address is mem://<name> with [A-Za-z0-9._~-]");
    return { scheme, host: rest, port: undefined, path: "", ipv6: false, url: `mem://${rest}` };
  }
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  let path = slash === -1 ? "" : rest.slice(slash);
  if (path === "/") path = "";
  if (/[\s?#]/.test(path)) fail(url, "path may not contain spaces, '?' or '#'");
  let host: string;
  let portText: string | undefined;
  let ipv6 = false;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) fail(url, "unclosed '[' in IPv6 literal");
    host = authority.slice(1, close);
    if (!/^[0-9a-fA-F:.]+(%[A-Za-z0-9._-]+)?$/.test(host) || !host.includes(":")) {
      fail(url, "bad IPv6 literal");
    }
    ipv6 = true;
    const after = authority.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) fail(url, "expected ':port' after IPv6 literal");
      portText = after.slice(1);
    }
  } else {
    const colon = authority.lastIndexOf(":");
    if (authority.indexOf(":") !== colon) fail(url, "IPv6 literals must be written in brackets");
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
    if (host.length === 0) fail(url, "missing host");
    if (!/^[A-Za-z0-9.-]+$/.test(host)) fail(url, "bad host");
  }
  if (host.length === 0) fail(url, "missing host");
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) fail(url, "port must be a number");
    port = Number(portText);
    if (port > 65535) fail(url, "port must be 0-65535");
  }
  const hostText = ipv6 ? `[${host}]` : host.toLowerCase();
  const canonical = `${scheme}://${hostText}${port === undefined ? "" : `:${port}`}${path}`;
  return { scheme, host: ipv6 ? host : host.toLowerCase(), port, path, ipv6, url: canonical };
}

/**
 * The scheme of an address URL, lower-cased (`"udp"` for `udp://10.0.0.5:7946`), or `undefined`
 * when the text is not `scheme://...` with a scheme of `[A-Za-z][A-Za-z0-9+.-]*` (RFC 3986 §3.1)
 * and no line break after it. Never throws. Cheap: no regular expression, since it runs for every
 * address a node considers sending to.
 */
export function schemeOf(url: string): string | undefined {
  const end = url.indexOf("://");
  if (end <= 0) return undefined;
  for (let i = 0; i < end; i++) {
    const c = url.charCodeAt(i) | 0x20; // ASCII letters to lower case; other bytes stay apart
    const letter = c >= 0x61 && c <= 0x7a;
    const code = url.charCodeAt(i);
    const other = (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e;
    if (!(letter || (i > 0 && other))) return undefined;
  }
  for (let i = end + 3; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return undefined;
  }
  return url.slice(0, end).toLowerCase();
}

/** Formats host and port as a URL with the given scheme, bracketing IPv6 literals. */
export function formatAddress(scheme: string, host: string, port?: number, path = ""): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return `${scheme}://${h}${port === undefined ? "" : `:${port}`}${path}`;
}

/** True for addresses that cannot be advertised (`0.0.0.0`, `::`). */
export function isUnspecifiedHost(host: string): boolean {
  if (host === "0.0.0.0") return true;
  return host.includes(":") && host.replace(/[:0]/g, "") === "";
}
