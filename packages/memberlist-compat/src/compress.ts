import { MemberlistError } from "./errors.js";
import { lzwCompress, lzwDecompress } from "./lzw.js";
import { LZW_ALGORITHM, MessageType, typed } from "./message-types.js";
import { COMPRESS, decodeFirstValue, readStruct, writeStruct } from "./messages.js";
import { GoMsgpackWriter } from "./msgpack.js";

/** memberlist's `compressPayload`: `[9]` + msgpack `{Algo: 0, Buf: lzw(message)}`. */
export function compressMessage(message: Uint8Array): Uint8Array {
  const w = new GoMsgpackWriter();
  writeStruct(w, COMPRESS, { algo: LZW_ALGORITHM, buf: lzwCompress(message) });
  return typed(MessageType.compress, w.finish());
}

/** Decodes a compress message's body (after its type byte) to the message it wraps. */
export function decompressBody(body: Uint8Array, maxOutputBytes: number): Uint8Array {
  const c = readStruct(COMPRESS, decodeFirstValue(body), "compress");
  if (c.algo !== LZW_ALGORITHM) {
    throw new MemberlistError(
      "compression",
      `cannot decompress unknown algorithm ${String(c.algo)}`,
    );
  }
  return lzwDecompress(c.buf as Uint8Array, maxOutputBytes);
}
