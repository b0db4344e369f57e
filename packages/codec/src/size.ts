import { envelopeHeaderSize, sizeMessage } from "./gen/encode.js";
import type { Message } from "./gen/messages.js";
import { resetSizes } from "./writer.js";

/**
 * Exact number of bytes `msg` adds to an encoded envelope: its field tag, length prefix and the
 * encoded `Message` (kind tag, body length prefix, body). For any messages and label,
 * `envelopeOverhead(label) + Σ messageSize(m) === encodePacket(messages, { label }).length`,
 * so the runtime can fill a packet up to its MTU without encoding anything.
 *
 * Cost is one pass over the message's strings; nothing is allocated.
 *
 * @throws {CodecError} `malformed` when `msg` holds a value that cannot be encoded (a number
 *   that is not an integer in [0, 2^53-1], an incarnation outside [0, 2^64-1], an empty member
 *   name or owner, an unknown status or message type).
 */
export function messageSize(msg: Message): number {
  resetSizes();
  return sizeMessage(msg);
}

/**
 * Bytes of an envelope holding no messages: the wire version field (2 bytes) plus the label
 * field when `label` is non-empty (tag, length prefix, UTF-8 bytes).
 */
export function envelopeOverhead(label = ""): number {
  return envelopeHeaderSize(label);
}
