import { MemberlistError } from "./errors.js";
import { COMPOUND_MAX_MESSAGE_BYTES, COMPOUND_MAX_MESSAGES } from "./limits.js";
import { MessageType } from "./message-types.js";

/**
 * A compound message (`makeCompoundMessage`): `[7][count byte][count × uint16 BE lengths]
 * [messages]`. Throws `malformed` beyond 255 messages or a message over 65,535 bytes.
 */
export function makeCompound(messages: readonly Uint8Array[]): Uint8Array {
  if (messages.length > COMPOUND_MAX_MESSAGES) {
    throw new MemberlistError(
      "malformed",
      `a compound holds at most 255 messages, not ${messages.length}`,
    );
  }
  let size = 2 + 2 * messages.length;
  for (const m of messages) {
    if (m.length > COMPOUND_MAX_MESSAGE_BYTES) {
      throw new MemberlistError("malformed", `a compound part of ${m.length} bytes`);
    }
    size += m.length;
  }
  const out = new Uint8Array(size);
  out[0] = MessageType.compound;
  out[1] = messages.length;
  let at = 2;
  for (const m of messages) {
    out[at++] = m.length >>> 8;
    out[at++] = m.length & 0xff;
  }
  for (const m of messages) {
    out.set(m, at);
    at += m.length;
  }
  return out;
}

/**
 * Splits a compound body (after its type byte) as memberlist's `decodeCompoundMessage`: the
 * parts that are whole, and how many at the end were cut off (`truncated`), which memberlist
 * logs and drops while still handling the whole ones.
 */
export function splitCompound(body: Uint8Array): {
  readonly parts: Uint8Array[];
  readonly truncated: number;
} {
  if (body.length < 1) throw new MemberlistError("truncated", "missing compound length byte");
  const count = body[0] as number;
  if (body.length < 1 + 2 * count)
    throw new MemberlistError("truncated", "truncated compound length table");
  const parts: Uint8Array[] = [];
  let at = 1 + 2 * count;
  for (let i = 0; i < count; i++) {
    const length = ((body[1 + 2 * i] as number) << 8) | (body[2 + 2 * i] as number);
    if (at + length > body.length) return { parts, truncated: count - i };
    parts.push(body.subarray(at, at + length));
    at += length;
  }
  return { parts, truncated: 0 };
}
