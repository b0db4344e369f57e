/**
 * `@grapevine/codec`: Grapevine's wire format. Packets are protobuf `Envelope`s
 * (`proto/grapevine.proto`) holding one or more protocol messages; this package turns
 * {@link Message} values into packets and back, with exact size accounting for filling packets up
 * to an MTU and typed, never-thrown decode errors. The message types, encoders and decoders are
 * generated from the schema (`src/gen/`, by `pnpm generate`).
 *
 * @packageDocumentation
 */
export {
  CodecError,
  type CodecErrorDetails,
  type CodecErrorReason,
  isCodecError,
} from "./codec-error.js";
export { type DecodeResult, decode } from "./decode.js";
export { type EncodeOptions, encodePacket } from "./encode.js";
export * from "./gen/messages.js";
export { type CodecLimits, DEFAULT_CODEC_LIMITS, DEFAULT_LIMITS } from "./limits.js";
export { DEFAULT_MTU, type PackOptions, type PackResult, pack } from "./pack.js";
export { envelopeOverhead, messageSize } from "./size.js";
export { decodeUtf8, encodeUtf8, utf8Length } from "./utf8.js";
export { varintSize } from "./writer.js";
