import { isIP } from "node:net";

/** A memberlist endpoint: the IP address as bytes (4 or 16) and the port. */
export interface IpPort {
  readonly addr: Uint8Array;
  readonly port: number;
}

/** `udp://127.0.0.1:7946` or `udp://[::1]:7946` → host and port; `undefined` for anything else. */
export function parseUdpUrl(url: string): { host: string; port: number } | undefined {
  const m = /^udp:\/\/(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(url);
  if (m === null) return undefined;
  const host = m[1] ?? m[2] ?? "";
  const port = Number(m[3]);
  if (isIP(host) === 0 || port > 65_535) return undefined;
  return { host, port };
}

function ipv6Bytes(host: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let text = host;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: Uint8Array | undefined;
  if (dotted !== null) {
    tail = ipv4Bytes(dotted[1] as string);
    text = `${text.slice(0, -(dotted[1] as string).length)}0:0`;
  }
  const [head = "", rest] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const missing = 8 - left.length - right.length;
  if (rest === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...new Array<string>(missing).fill("0"), ...right];
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  if (tail !== undefined) out.set(tail, 12);
  return out;
}

function ipv4Bytes(host: string): Uint8Array {
  return Uint8Array.from(host.split(".").map(Number));
}

/** An address URL as memberlist carries it; `undefined` for a non-UDP or malformed URL. */
export function toIpPort(url: string): IpPort | undefined {
  const parsed = parseUdpUrl(url);
  if (parsed === undefined) return undefined;
  const addr = isIP(parsed.host) === 4 ? ipv4Bytes(parsed.host) : ipv6Bytes(parsed.host);
  return addr === undefined ? undefined : { addr, port: parsed.port };
}

/** memberlist's address bytes and port as a `udp://` URL; `undefined` when not 4 or 16 bytes. */
export function fromIpPort(addr: Uint8Array, port: number): string | undefined {
  if (addr.length === 4) return `udp://${addr.join(".")}:${port}`;
  if (addr.length !== 16) return undefined;
  if (addr.subarray(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff))) {
    return `udp://${addr.subarray(12).join(".")}:${port}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((addr[i] as number) << 8) | (addr[i + 1] as number)).toString(16));
  return `udp://[${groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::")}]:${port}`;
}

/** The URL a Node.js socket address names (`udp://…`), as the receive path reports senders. */
export function urlOf(host: string, port: number): string {
  return isIP(host) === 6 ? `udp://[${host}]:${port}` : `udp://${host}:${port}`;
}
