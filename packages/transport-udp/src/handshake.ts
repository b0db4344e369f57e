import { isUnspecifiedHost } from "@grapevine/protocol";
import { parseAddress, TransportError } from "@grapevine/transport";

/**
 * The stream handshake. A dialer's first frame is a hello naming its advertised `udp://` address,
 * so the acceptor can give the stream a `remote` it can dial back; the acceptor answers with one
 * frame, accept or refuse. Both are tiny: until the handshake is done the connection runs with a
 * {@link HANDSHAKE_MAX_BYTES} frame limit, so an unknown peer cannot make us allocate much.
 *
 * Layout: `"GV"`, protocol version (1), message type, then (hello only) the UTF-8 address.
 */
const MAGIC_G = 0x47;
const MAGIC_V = 0x56;
/** Version of the stream handshake, independent of the package version. */
export const HANDSHAKE_VERSION = 1;
/** Largest handshake frame accepted, in bytes. */
export const HANDSHAKE_MAX_BYTES = 512;

const TYPE_HELLO = 1;
const TYPE_ACCEPT = 2;
const TYPE_REFUSE_LIMIT = 3;

/** The acceptor's answer to a hello. */
export type HandshakeReply = "accept" | "refuse-limit";

/** Encodes the dialer's hello carrying its advertised address. */
export function encodeHello(address: string): Uint8Array {
  const text = Buffer.from(address, "utf8");
  const out = new Uint8Array(4 + text.byteLength);
  out.set([MAGIC_G, MAGIC_V, HANDSHAKE_VERSION, TYPE_HELLO]);
  out.set(text, 4);
  return out;
}

/** Encodes the acceptor's reply. */
export function encodeReply(reply: HandshakeReply): Uint8Array {
  const type = reply === "accept" ? TYPE_ACCEPT : TYPE_REFUSE_LIMIT;
  return Uint8Array.of(MAGIC_G, MAGIC_V, HANDSHAKE_VERSION, type);
}

function checkHeader(frame: Uint8Array): number {
  if (frame.byteLength < 4 || frame[0] !== MAGIC_G || frame[1] !== MAGIC_V) {
    throw new TransportError("protocol", "not a Grapevine stream handshake");
  }
  if (frame[2] !== HANDSHAKE_VERSION) {
    throw new TransportError("protocol", `unsupported stream handshake version ${frame[2]}`);
  }
  return frame[3]!;
}

/**
 * Decodes a hello and returns the dialer's canonical `udp://host:port` address. Throws
 * `TransportError('protocol')` for anything that is not a hello with a dialable udp address
 * (wrong scheme, no port, port 0, an unspecified host, a path, bad UTF-8).
 */
export function decodeHello(frame: Uint8Array): string {
  if (checkHeader(frame) !== TYPE_HELLO) {
    throw new TransportError("protocol", "expected a hello as the first frame");
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(frame.subarray(4));
  } catch {
    throw new TransportError("protocol", "hello address is not UTF-8");
  }
  try {
    return validateUdpAddress(text, "peer address");
  } catch (err) {
    throw new TransportError("protocol", `bad hello: ${(err as Error).message}`);
  }
}

/** Decodes the acceptor's reply; throws `TransportError('protocol')` for anything else. */
export function decodeReply(frame: Uint8Array): HandshakeReply {
  const type = checkHeader(frame);
  if (frame.byteLength !== 4) throw new TransportError("protocol", "malformed handshake reply");
  if (type === TYPE_ACCEPT) return "accept";
  if (type === TYPE_REFUSE_LIMIT) return "refuse-limit";
  throw new TransportError("protocol", `unknown handshake reply type ${type}`);
}

/**
 * Checks that `url` is an address a peer can send to: scheme `udp`, a host that is not
 * unspecified, a port in 1-65535 and no path. Returns the canonical URL; throws
 * `TransportError('invalid-address')` otherwise.
 */
export function validateUdpAddress(url: string, what: string): string {
  const a = parseAddress(url);
  const bad = (why: string): never => {
    throw new TransportError("invalid-address", `${what} ${JSON.stringify(url)}: ${why}`);
  };
  if (a.scheme !== "udp") bad("scheme must be udp://");
  if (a.path !== "") bad("a udp:// address has no path");
  if (a.port === undefined || a.port === 0) bad("needs a port in 1-65535");
  if (isUnspecifiedHost(a.host)) bad("an unspecified address (0.0.0.0, ::) cannot be reached");
  return a.url;
}
