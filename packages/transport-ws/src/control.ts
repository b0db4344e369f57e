import { isUnspecifiedHost } from "@grapevine/protocol";
import { parseAddress, TransportError } from "@grapevine/transport";

/**
 * Control messages. On every connection binary WebSocket messages carry payload (a datagram on a
 * peer link, a frame on a stream) and text messages carry control, as small JSON objects. A
 * connection opens with the dialer's `hello`, answered by `welcome` or `refuse`; afterwards a
 * peer link may carry `open-stream` (a listener asking a dial-only node to open a stream back to
 * it) and a stream carries `end` (the writer's graceful half-close).
 */
export type Control =
  | {
      readonly kind: "hello";
      /** `peer`: the shared link for datagrams; `stream`: a connection for one stream. */
      readonly role: "peer" | "stream";
      /** The dialer's advertised address: `ws://`, `wss://` or `ws-client://<id>`. */
      readonly from: string;
      /** On a stream opened at a listener's request: the token from its `open-stream`. */
      readonly token?: string;
    }
  | { readonly kind: "welcome"; readonly from: string }
  | { readonly kind: "refuse"; readonly reason: RefuseReason }
  | { readonly kind: "open-stream"; readonly token: string }
  | { readonly kind: "end" };

/** Why an acceptor turned a connection down. */
export type RefuseReason = "limit" | "bad-hello" | "unknown-token";

/** Version of the control protocol, independent of the package version. */
export const CONTROL_VERSION = 1;

/** Longest control message accepted, in UTF-16 code units. */
export const MAX_CONTROL_CHARS = 2048;

const TOKEN = /^[0-9a-f]{32}$/;
const CLIENT_ID = /^[A-Za-z0-9.-]{1,64}$/;
const REASONS: readonly string[] = ["limit", "bad-hello", "unknown-token"];

/** Encodes a control message as the text of one WebSocket message. */
export function encodeControl(control: Control): string {
  return JSON.stringify({ v: CONTROL_VERSION, ...control });
}

function protocol(why: string): never {
  throw new TransportError("protocol", `bad control message: ${why}`);
}

/**
 * Decodes and validates a control message; throws `TransportError('protocol')` for anything
 * malformed, oversized, of another version, or naming an address a peer cannot be reached at.
 */
export function decodeControl(text: string): Control {
  if (text.length > MAX_CONTROL_CHARS) protocol(`longer than ${MAX_CONTROL_CHARS} characters`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    protocol("not JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) protocol("not an object");
  const m = raw as Record<string, unknown>;
  if (m.v !== CONTROL_VERSION) protocol(`unsupported version ${String(m.v)}`);
  switch (m.kind) {
    case "hello": {
      if (m.role !== "peer" && m.role !== "stream") protocol("hello role");
      const from = peerAddress(m.from);
      if (m.token === undefined) return { kind: "hello", role: m.role, from };
      if (m.role !== "stream" || typeof m.token !== "string" || !TOKEN.test(m.token)) {
        protocol("hello token");
      }
      return { kind: "hello", role: m.role, from, token: m.token };
    }
    case "welcome":
      return { kind: "welcome", from: peerAddress(m.from) };
    case "refuse":
      if (typeof m.reason !== "string" || !REASONS.includes(m.reason)) protocol("refuse reason");
      return { kind: "refuse", reason: m.reason as RefuseReason };
    case "open-stream":
      if (typeof m.token !== "string" || !TOKEN.test(m.token)) protocol("open-stream token");
      return { kind: "open-stream", token: m.token };
    case "end":
      return { kind: "end" };
    default:
      return protocol(`unknown kind ${JSON.stringify(m.kind)}`);
  }
}

function peerAddress(value: unknown): string {
  if (typeof value !== "string") protocol("address is not a string");
  try {
    return validatePeerAddress(value);
  } catch (err) {
    return protocol((err as Error).message);
  }
}

/**
 * Checks an address a WebSocket peer can be reached at and returns it canonical: `ws://` or
 * `wss://` with a host that is not unspecified, or `ws-client://<id>` (a dial-only node, reached
 * only over connections it opened). Throws `TransportError('invalid-address')` otherwise.
 */
export function validatePeerAddress(url: string): string {
  const a = parseAddress(url);
  const bad = (why: string): never => {
    throw new TransportError("invalid-address", `address ${JSON.stringify(url)}: ${why}`);
  };
  if (a.scheme === "ws-client") {
    if (a.port !== undefined || a.path !== "" || !CLIENT_ID.test(a.host)) {
      bad("a dial-only identity is ws-client://<id> with [A-Za-z0-9.-]{1,64}");
    }
    return a.url;
  }
  if (a.scheme !== "ws" && a.scheme !== "wss") bad("scheme must be ws://, wss:// or ws-client://");
  if (isUnspecifiedHost(a.host)) bad("an unspecified host (0.0.0.0, ::) cannot be reached");
  if (a.port === 0) bad("port 0 cannot be reached");
  return a.url;
}
