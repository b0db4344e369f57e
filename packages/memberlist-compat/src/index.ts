export { makeCompound, splitCompound } from "./compound.js";
export { compressMessage, decompressBody } from "./compress.js";
export { crc32 } from "./crc32.js";
export { isMemberlistError, MemberlistError, type MemberlistErrorReason } from "./errors.js";
export { labelHeader, labelOverhead, splitLabel } from "./label.js";
export {
  COMPOUND_MAX_MESSAGE_BYTES,
  COMPOUND_MAX_MESSAGES,
  COMPOUND_OVERHEAD,
  DEFAULT_LIMITS,
  LABEL_MAX_BYTES,
  type MemberlistLimits,
} from "./limits.js";
export { lzwCompress, lzwDecompress } from "./lzw.js";
export {
  DELEGATE_VERSION,
  LZW_ALGORITHM,
  MessageType,
  type MessageTypeByte,
  NodeState,
  type NodeStateByte,
  PROTOCOL_VERSION,
} from "./message-types.js";
export {
  type AckMessage,
  type AliveMessage,
  type DeadMessage,
  decodeMessage,
  type ErrorMessage,
  encodeMessage,
  type IndirectPingMessage,
  type MemberlistMessage,
  type NackMessage,
  type PingMessage,
  type PushNodeState,
  type SuspectMessage,
  type UserMessage,
} from "./messages.js";
export {
  type DecodeOptions,
  decodePacket,
  type EncodeOptions,
  encodePacket,
  type PacketResult,
  sealPacket,
} from "./packet.js";
export {
  decryptPayload,
  type EncryptionVersion,
  encryptedLength,
  encryptOverhead,
  encryptPayload,
  validateKey,
} from "./security.js";
export {
  encodeStream,
  type PushPullMessage,
  readStream,
  type StreamMessage,
  type StreamReadResult,
  type StreamUserMessage,
} from "./stream.js";
