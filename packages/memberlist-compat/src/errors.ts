import { GrapevineError } from "@grapevine/protocol";

/**
 * Why memberlist-format input was rejected:
 * - `truncated`: the bytes end before the structure they start (a compound length table, a
 *   label header, an encrypted frame, a msgpack value);
 * - `malformed`: bytes that memberlist itself would refuse to decode (bad msgpack, a field of
 *   the wrong type, an integer out of range, a compound inside too many layers);
 * - `unknown-type`: a message type byte memberlist does not define (or one that cannot appear
 *   where it was found, such as a push-pull inside a UDP packet);
 * - `checksum`: a CRC-carrying packet whose CRC-32 does not match;
 * - `label-mismatch`: the packet or stream carries another cluster label than the receiver's;
 * - `decrypt`: encryption is on and no key of the keyring opens the payload, or the payload is
 *   plaintext while incoming verification is on, or an unknown encryption version;
 * - `compression`: an unknown compression algorithm or a broken LZW stream;
 * - `limit`: a size over one of the {@link MemberlistLimits}.
 *
 * The encoders use `malformed` for values they cannot put on the wire.
 */
export type MemberlistErrorReason =
  | "truncated"
  | "malformed"
  | "unknown-type"
  | "checksum"
  | "label-mismatch"
  | "decrypt"
  | "compression"
  | "limit";

/** The only error this package produces: returned by the decoders, thrown by the encoders. */
export class MemberlistError extends GrapevineError<MemberlistErrorReason> {
  /** The same as `code`. */
  readonly reason: MemberlistErrorReason;

  constructor(reason: MemberlistErrorReason, message: string) {
    super(reason, message);
    this.name = "MemberlistError";
    this.reason = reason;
  }
}

/** True when `value` is a {@link MemberlistError}. */
export function isMemberlistError(value: unknown): value is MemberlistError {
  return value instanceof MemberlistError;
}
