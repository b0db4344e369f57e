import { makeCompound, splitCompound } from "./compound.js";
import { compressMessage, decompressBody } from "./compress.js";
import { crc32 } from "./crc32.js";
import { isMemberlistError, MemberlistError } from "./errors.js";
import { labelHeader, splitLabel } from "./label.js";
import { DEFAULT_LIMITS, type MemberlistLimits } from "./limits.js";
import { MessageType } from "./message-types.js";
import { decodeMessage, encodeMessage, type MemberlistMessage } from "./messages.js";
import { encodeUtf8 } from "./msgpack.js";
import { decryptPayload, type EncryptionVersion, encryptPayload } from "./security.js";

/** What a receiver expects of incoming packets and streams. */
export interface DecodeOptions {
  /** The cluster label; a packet with another one (or none, when this is set) is refused. */
  readonly label?: string | undefined;
  /** The keyring, primary first; empty or absent: encryption off. */
  readonly keys?: readonly Uint8Array[] | undefined;
  /**
   * memberlist's `GossipVerifyIncoming` (default true): when false, a packet no key opens is
   * read as plaintext (for turning encryption on in a running cluster).
   */
  readonly verifyIncoming?: boolean | undefined;
  readonly limits?: Partial<MemberlistLimits> | undefined;
}

/** How to send: every field off by default, as memberlist's own defaults. */
export interface EncodeOptions {
  readonly label?: string | undefined;
  /** The primary key; absent: send plaintext. */
  readonly key?: Uint8Array | undefined;
  /** 1 for every peer speaking protocol ≥ 2 (the default), 0 for protocol 1. */
  readonly encryptionVersion?: EncryptionVersion | undefined;
  /** Add the CRC-32 header: memberlist does so for a recipient whose max protocol is ≥ 5. */
  readonly crc?: boolean | undefined;
  /** Compress with LZW when that makes the packet smaller (`EnableCompression`). */
  readonly compress?: boolean | undefined;
}

/** A decoded packet: the messages, and the parts memberlist would log and skip. */
export type PacketResult =
  | {
      readonly ok: true;
      readonly messages: MemberlistMessage[];
      /** Parts that failed to decode on their own; the rest of the packet still counts. */
      readonly rejected: MemberlistError[];
      /** Compound parts cut off at the end of the packet. */
      readonly truncated: number;
      readonly encrypted: boolean;
      readonly checksummed: boolean;
    }
  | { readonly ok: false; readonly error: MemberlistError };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Decodes one UDP packet as memberlist's `ingestPacket` and `handleCommand` do: label header,
 * decryption with any key of the ring, CRC, then compound and compress layers, recursively.
 * Never throws: anything wrong is a {@link MemberlistError} in the result.
 */
export function decodePacket(packet: Uint8Array, options: DecodeOptions = {}): PacketResult {
  try {
    return decodePacketOrThrow(packet, options);
  } catch (err) {
    if (isMemberlistError(err)) return { ok: false, error: err };
    throw err;
  }
}

function decodePacketOrThrow(packet: Uint8Array, options: DecodeOptions): PacketResult {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const split = splitLabel(packet);
  if (split === undefined)
    throw new MemberlistError("truncated", "cannot decode label; packet has been truncated");
  const expected = encodeUtf8(options.label ?? "");
  if (!sameBytes(split.labelBytes, expected)) {
    throw new MemberlistError("label-mismatch", `packet label ${JSON.stringify(split.label)}`);
  }
  let buf = split.rest;
  let encrypted = false;
  const keys = options.keys ?? [];
  if (keys.length > 0) {
    try {
      buf = decryptPayload(keys, buf, split.labelBytes);
      encrypted = true;
    } catch (err) {
      if (options.verifyIncoming !== false) throw err;
    }
  }
  let checksummed = false;
  if (buf.length >= 5 && buf[0] === MessageType.hasCrc) {
    const expectedCrc =
      (((buf[1] as number) << 24) |
        ((buf[2] as number) << 16) |
        ((buf[3] as number) << 8) |
        (buf[4] as number)) >>>
      0;
    buf = buf.subarray(5);
    if (crc32(buf) !== expectedCrc)
      throw new MemberlistError("checksum", "invalid checksum for UDP packet");
    checksummed = true;
  }
  const messages: MemberlistMessage[] = [];
  const rejected: MemberlistError[] = [];
  let truncated = 0;
  const handle = (bytes: Uint8Array, depth: number, top: boolean): void => {
    try {
      if (bytes.length === 0) throw new MemberlistError("truncated", "empty message");
      const type = bytes[0] as number;
      if (type === MessageType.compound || type === MessageType.compress) {
        if (depth >= limits.maxNesting)
          throw new MemberlistError("limit", "compound/compress nested too deeply");
        if (type === MessageType.compound) {
          const split = splitCompound(bytes.subarray(1));
          truncated += split.truncated;
          for (const part of split.parts) handle(part, depth + 1, false);
        } else {
          handle(decompressBody(bytes.subarray(1), limits.maxDecompressedBytes), depth + 1, false);
        }
        return;
      }
      messages.push(decodeMessage(bytes, limits));
    } catch (err) {
      if (top || !isMemberlistError(err)) throw err;
      rejected.push(err);
    }
  };
  handle(buf, 0, true);
  return { ok: true, messages, rejected, truncated, encrypted, checksummed };
}

/**
 * Encodes messages into one UDP packet as memberlist's `sendMsg`/`rawSendMsgPacket` do: one
 * message alone or a compound of several, then compression (kept only if smaller), the CRC
 * header, encryption (the label as additional data), and the label header in front. Throws
 * {@link MemberlistError} `malformed` for what cannot be encoded.
 */
export function encodePacket(
  messages: readonly MemberlistMessage[],
  options: EncodeOptions = {},
): Uint8Array {
  if (messages.length === 0)
    throw new MemberlistError("malformed", "a packet carries at least one message");
  const encoded = messages.map(encodeMessage);
  return sealPacket(
    encoded.length === 1 ? (encoded[0] as Uint8Array) : makeCompound(encoded),
    options,
  );
}

/** The layers of {@link encodePacket} around one already encoded message (or compound). */
export function sealPacket(message: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  let msg = message;
  if (options.compress) {
    const compressed = compressMessage(msg);
    if (compressed.length < msg.length) msg = compressed;
  }
  if (options.crc) {
    const crc = crc32(msg);
    const withCrc = new Uint8Array(5 + msg.length);
    withCrc[0] = MessageType.hasCrc;
    withCrc[1] = crc >>> 24;
    withCrc[2] = (crc >>> 16) & 0xff;
    withCrc[3] = (crc >>> 8) & 0xff;
    withCrc[4] = crc & 0xff;
    withCrc.set(msg, 5);
    msg = withCrc;
  }
  const label = options.label ?? "";
  if (options.key !== undefined) {
    msg = encryptPayload(options.encryptionVersion ?? 1, options.key, msg, encodeUtf8(label));
  }
  const header = labelHeader(label);
  if (header.length === 0) return msg;
  const out = new Uint8Array(header.length + msg.length);
  out.set(header);
  out.set(msg, header.length);
  return out;
}
