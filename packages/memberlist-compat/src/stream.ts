import { compressMessage, decompressBody } from "./compress.js";
import { isMemberlistError, MemberlistError } from "./errors.js";
import { labelHeader, splitLabel } from "./label.js";
import { DEFAULT_LIMITS, type MemberlistLimits } from "./limits.js";
import { MessageType, typed } from "./message-types.js";
import {
  type AckMessage,
  decodeMessage,
  type ErrorMessage,
  encodeMessage,
  type PingMessage,
  PUSH_PULL_HEADER,
  type PushNodeState,
  readPushNodeState,
  readStruct,
  USER_MSG_HEADER,
  writePushNodeState,
  writeStruct,
} from "./messages.js";
import { decodeMsgpack, encodeUtf8, GoMsgpackWriter, msgpackValueEnd } from "./msgpack.js";
import type { DecodeOptions, EncodeOptions } from "./packet.js";
import {
  decryptPayload,
  type EncryptionVersion,
  encryptedLength,
  encryptPayload,
} from "./security.js";

/** A push-pull (`pushPullMsg`): the sender's whole member list, and its delegate's state. */
export interface PushPullMessage {
  readonly type: "push-pull";
  /** True when the sender is joining (memberlist then calls its merge delegate). */
  readonly join: boolean;
  readonly nodes: readonly PushNodeState[];
  /** The delegate's `LocalState` bytes (empty when none). */
  readonly userState: Uint8Array;
}

/** A user message sent over a stream (`SendReliable`): a header with its length, then the bytes. */
export interface StreamUserMessage {
  readonly type: "user";
  readonly payload: Uint8Array;
}

/**
 * What travels on memberlist's TCP streams: one message a connection each way (push-pull and
 * its answer, a fallback ping and its ack, a reliable user message, an error).
 */
export type StreamMessage =
  | PushPullMessage
  | StreamUserMessage
  | PingMessage
  | AckMessage
  | ErrorMessage;

/** The result of reading the start of a stream. */
export type StreamReadResult =
  | { readonly status: "incomplete" }
  | {
      readonly status: "message";
      readonly message: StreamMessage;
      readonly consumed: number;
      readonly encrypted: boolean;
    }
  | { readonly status: "error"; readonly error: MemberlistError };

function encodeStreamBody(message: StreamMessage): Uint8Array {
  if (message.type === "push-pull") {
    const w = new GoMsgpackWriter();
    writeStruct(w, PUSH_PULL_HEADER, {
      nodes: message.nodes.length,
      userStateLen: message.userState.length,
      join: message.join,
    });
    for (const node of message.nodes) writePushNodeState(w, node);
    return typed(MessageType.pushPull, w.finish(), message.userState);
  }
  if (message.type === "user") {
    const w = new GoMsgpackWriter();
    writeStruct(w, USER_MSG_HEADER, { userMsgLen: message.payload.length });
    return typed(MessageType.user, w.finish(), message.payload);
  }
  return encodeMessage(message);
}

/**
 * Encodes one stream message as memberlist's `rawSendMsgStream` writes it: the label header
 * (memberlist ≥ 0.3.1 writes it when dialling), then the message, compressed when asked (on
 * streams memberlist always keeps the compressed form), then sealed in an `[10][uint32 length]`
 * frame whose header and label are the additional data.
 */
export function encodeStream(message: StreamMessage, options: EncodeOptions = {}): Uint8Array {
  let body = encodeStreamBody(message);
  if (options.compress) body = compressMessage(body);
  const label = options.label ?? "";
  if (options.key !== undefined) {
    const version: EncryptionVersion = options.encryptionVersion ?? 1;
    const frameHeader = new Uint8Array(5);
    frameHeader[0] = MessageType.encrypt;
    new DataView(frameHeader.buffer).setUint32(1, encryptedLength(version, body.length));
    const labelBytes = encodeUtf8(label);
    const aad = new Uint8Array(5 + labelBytes.length);
    aad.set(frameHeader);
    aad.set(labelBytes, 5);
    const sealed = encryptPayload(version, options.key, body, aad);
    const framed = new Uint8Array(5 + sealed.length);
    framed.set(frameHeader);
    framed.set(sealed, 5);
    body = framed;
  }
  const header = labelHeader(label);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/**
 * Reads one stream message from the bytes received so far, as memberlist's `readStream` and
 * `readRemoteState`/`readUserMsg` do. `incomplete` means "wait for more bytes"; once the peer
 * has closed its side, an `incomplete` is a truncated stream. Never throws.
 */
export function readStream(received: Uint8Array, options: DecodeOptions = {}): StreamReadResult {
  try {
    return readStreamOrThrow(received, options);
  } catch (err) {
    if (isMemberlistError(err)) return { status: "error", error: err };
    throw err;
  }
}

const INCOMPLETE = { status: "incomplete" } as const;

function readStreamOrThrow(received: Uint8Array, options: DecodeOptions): StreamReadResult {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (received.length === 0) return INCOMPLETE;
  const split = splitLabel(received);
  if (split === undefined) return INCOMPLETE;
  const expected = encodeUtf8(options.label ?? "");
  if (
    split.labelBytes.length !== expected.length ||
    split.labelBytes.some((b, i) => b !== expected[i])
  ) {
    throw new MemberlistError("label-mismatch", `stream label ${JSON.stringify(split.label)}`);
  }
  const labelLength = received.length - split.rest.length;
  const rest = split.rest;
  if (rest.length === 0) return INCOMPLETE;
  const keys = options.keys ?? [];
  if (rest[0] === MessageType.encrypt) {
    if (keys.length === 0) {
      throw new MemberlistError(
        "decrypt",
        "remote state is encrypted and encryption is not configured",
      );
    }
    if (rest.length < 5) return INCOMPLETE;
    const length = new DataView(rest.buffer, rest.byteOffset, 5).getUint32(1);
    if (length > limits.maxStreamBytes)
      throw new MemberlistError("limit", `remote state of ${length} bytes`);
    if (rest.length < 5 + length) return INCOMPLETE;
    const aad = new Uint8Array(5 + split.labelBytes.length);
    aad.set(rest.subarray(0, 5));
    aad.set(split.labelBytes, 5);
    const plain = decryptPayload(keys, rest.subarray(5, 5 + length), aad);
    const parsed = parseBody(plain, true, limits);
    if (parsed === undefined)
      throw new MemberlistError("truncated", "encrypted stream message is incomplete");
    return {
      status: "message",
      message: parsed.message,
      consumed: labelLength + 5 + length,
      encrypted: true,
    };
  }
  if (keys.length > 0 && options.verifyIncoming !== false) {
    throw new MemberlistError(
      "decrypt",
      "encryption is configured but remote state is not encrypted",
    );
  }
  const parsed = parseBody(rest, false, limits);
  if (parsed === undefined) return INCOMPLETE;
  return {
    status: "message",
    message: parsed.message,
    consumed: labelLength + parsed.used,
    encrypted: false,
  };
}

/** Parses `[type][body]`; `undefined` when more bytes are needed (never when `whole`). */
function parseBody(
  bytes: Uint8Array,
  whole: boolean,
  limits: MemberlistLimits,
): { message: StreamMessage; used: number } | undefined {
  if (bytes.length === 0) {
    if (whole) throw new MemberlistError("truncated", "empty stream message");
    return undefined;
  }
  if (bytes[0] === MessageType.compress) {
    const end = msgpackValueEnd(bytes, 1);
    if (end < 0) {
      if (whole) throw new MemberlistError("truncated", "compress message is incomplete");
      return undefined;
    }
    const inner = decompressBody(bytes.subarray(1, end), limits.maxStreamBytes);
    if (inner[0] === MessageType.compress)
      throw new MemberlistError("malformed", "compressed twice");
    const parsed = parseBody(inner, true, limits);
    return parsed && { message: parsed.message, used: end };
  }
  const type = bytes[0] as number;
  let at = 1;
  /** The next msgpack value, or undefined when it is not all here yet. */
  const next = (): unknown | undefined => {
    const end = msgpackValueEnd(bytes, at);
    if (end < 0) {
      if (whole) throw new MemberlistError("truncated", "stream message is incomplete");
      return undefined;
    }
    const value = decodeMsgpack(bytes.subarray(at, end));
    at = end;
    return value;
  };
  const NONE = Symbol("none");
  const take = (): unknown => {
    const v = next();
    return v === undefined ? NONE : v;
  };
  switch (type) {
    case MessageType.pushPull: {
      const headerValue = take();
      if (headerValue === NONE) return undefined;
      const header = readStruct(PUSH_PULL_HEADER, headerValue, "pushPullHeader");
      const count = header.nodes as number;
      const userStateLen = header.userStateLen as number;
      if (count > limits.maxPushPullNodes)
        throw new MemberlistError("limit", `push-pull of ${count} nodes`);
      if (userStateLen > limits.maxStreamBytes)
        throw new MemberlistError("limit", `user state of ${userStateLen} bytes`);
      const nodes: PushNodeState[] = [];
      for (let i = 0; i < count; i++) {
        const v = take();
        if (v === NONE) return undefined;
        nodes.push(readPushNodeState(v, limits));
      }
      if (bytes.length < at + userStateLen) {
        if (whole) throw new MemberlistError("truncated", "user state is incomplete");
        return undefined;
      }
      const userState = bytes.slice(at, at + userStateLen);
      at += userStateLen;
      return {
        message: { type: "push-pull", join: header.join as boolean, nodes, userState },
        used: at,
      };
    }
    case MessageType.user: {
      const headerValue = take();
      if (headerValue === NONE) return undefined;
      const length = readStruct(USER_MSG_HEADER, headerValue, "userMsgHeader").userMsgLen as number;
      if (length > limits.maxStreamBytes)
        throw new MemberlistError("limit", `user message of ${length} bytes`);
      if (bytes.length < at + length) {
        if (whole) throw new MemberlistError("truncated", "user message is incomplete");
        return undefined;
      }
      return {
        message: { type: "user", payload: bytes.slice(at, at + length) },
        used: at + length,
      };
    }
    case MessageType.ping:
    case MessageType.ack:
    case MessageType.error: {
      const end = msgpackValueEnd(bytes, 1);
      if (end < 0) {
        if (whole) throw new MemberlistError("truncated", "stream message is incomplete");
        return undefined;
      }
      const message = decodeMessage(bytes.subarray(0, end), limits) as
        | PingMessage
        | AckMessage
        | ErrorMessage;
      return { message, used: end };
    }
    default:
      throw new MemberlistError("unknown-type", `stream message type ${type}`);
  }
}
