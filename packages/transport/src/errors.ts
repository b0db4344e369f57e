import { GrapevineError } from "@grapevine/protocol";

/** Why a transport operation failed. The same reason means the same thing on every transport. */
export type TransportErrorCode =
  /** A datagram larger than the transport's `mtu`. */
  | "oversized"
  /** A stream frame larger than the transport's frame limit. */
  | "frame-too-large"
  /** The transport or stream is closed. */
  | "closed"
  /** The peer cannot be reached (no listener, refused, host unreachable). */
  | "unreachable"
  /** Connect, handshake, idle or write deadline passed. */
  | "timeout"
  /** The peer went away or broke the stream mid-way. */
  | "reset"
  /** The local address is taken. */
  | "address-in-use"
  /** Not permitted to bind (e.g. a privileged port). */
  | "access-denied"
  /** The URL cannot be used with this transport. */
  | "invalid-address"
  /** Too many connections or streams at once. */
  | "limit"
  /** The peer sent bytes that break the framing protocol. */
  | "protocol";

/**
 * The one error type every transport throws or rejects with; a `GrapevineError` whose `code` is a
 * {@link TransportErrorCode}.
 */
export class TransportError extends GrapevineError<TransportErrorCode> {
  override readonly name = "TransportError";
}

/** True when `err` is a {@link TransportError}, optionally with the given code. */
export function isTransportError(err: unknown, code?: TransportErrorCode): err is TransportError {
  return err instanceof TransportError && (code === undefined || err.code === code);
}

/**
 * The check every transport's `send` starts with, so that a closed transport and a datagram of
 * `mtu + 1` bytes fail the same way everywhere: `TransportError('closed')`, then
 * `TransportError('oversized')`.
 */
export function assertSendable(closed: boolean, mtu: number, data: Uint8Array, what: string): void {
  if (closed) throw new TransportError("closed", `${what} is closed`);
  if (data.byteLength > mtu) {
    throw new TransportError(
      "oversized",
      `datagram of ${data.byteLength} bytes exceeds the ${mtu}-byte MTU`,
    );
  }
}

/**
 * The check every transport's `dial` starts with: `TransportError('closed')` once closing, then
 * `TransportError('limit')` when `open` connections already reach `maxConnections`.
 */
export function assertCanDial(closing: boolean, open: number, maxConnections: number): void {
  if (closing) throw new TransportError("closed", "transport is closed");
  if (open >= maxConnections) {
    throw new TransportError("limit", `${open} connections open; the limit is ${maxConnections}`);
  }
}

/**
 * The checks every stream's `write` starts with, so that a closed stream, a broken one and a frame
 * of `maxFrameBytes + 1` bytes fail the same way everywhere: `TransportError('closed')`, then the
 * stream's own failure, then `TransportError('frame-too-large')`. Returns the error to reject
 * with, or `undefined` when the frame may be written.
 */
export function refuseWrite(
  writeEnded: boolean,
  failure: TransportError | undefined,
  frame: Uint8Array,
  maxFrameBytes: number,
  remote: string,
): TransportError | undefined {
  if (writeEnded) return new TransportError("closed", `stream to ${remote} is closed`);
  if (failure) return failure;
  if (frame.byteLength > maxFrameBytes) {
    return new TransportError(
      "frame-too-large",
      `frame of ${frame.byteLength} bytes exceeds the ${maxFrameBytes}-byte limit`,
    );
  }
  return undefined;
}
