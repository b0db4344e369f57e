import {
  envelopeHeaderSize,
  sizeMessage,
  writeEnvelopeHeader,
  writeMessage,
} from "./gen/encode.js";
import type { Message } from "./gen/messages.js";
import { allocPacket } from "./packet-buffer.js";
import { endWrite, resetSizes, startWrite } from "./writer.js";

/** Options for {@link encodePacket}. */
export interface EncodeOptions {
  /** Cluster label written into the envelope; empty or absent writes none. */
  readonly label?: string | undefined;
}

/**
 * Encodes one packet: an envelope (wire version {@link WIRE_VERSION}, the label if any) holding
 * `messages` in order. The result is exactly
 * `envelopeOverhead(label) + Σ messageSize(m)` bytes long. No size limit is applied: use
 * {@link pack} to respect an MTU.
 *
 * Fields go out in field-number order with default values omitted, as canonical protobuf
 * encoders (protobufjs included) write them.
 *
 * Small packets are views into a shared pooled `ArrayBuffer`, like Node's pooled `Buffer`s: pass
 * the `Uint8Array` itself (as every Node and browser API accepts), or mind `byteOffset` and
 * `byteLength` when reaching for `.buffer`.
 *
 * @throws {CodecError} `malformed` when a message holds a value that cannot be encoded (see
 *   {@link messageSize}).
 */
export function encodePacket(messages: readonly Message[], options?: EncodeOptions): Uint8Array {
  const label = options?.label ?? "";
  resetSizes();
  let total = envelopeHeaderSize(label);
  for (let i = 0; i < messages.length; i++) total += sizeMessage(messages[i]!);
  const out = allocPacket(total);
  startWrite(out);
  writeEnvelopeHeader(label);
  // Sizes were recorded back to back, so each message's mark is where the previous one's ended.
  let mark = 0;
  for (let i = 0; i < messages.length; i++) mark = writeMessage(messages[i]!, mark);
  const written = endWrite();
  if (written !== total) {
    throw new Error(`codec: wrote ${written} bytes, sized ${total}`);
  }
  return out;
}
