import { MemberlistError } from "./errors.js";
import { LABEL_MAX_BYTES } from "./limits.js";
import { MessageType } from "./message-types.js";
import { decodeUtf8, encodeUtf8 } from "./msgpack.js";

/**
 * memberlist's label header (`label.go`, memberlist ≥ 0.3.1): `[244][length byte][label]` before
 * a packet or at the start of a stream, so that clusters sharing a network ignore each other.
 * No header means the empty label.
 */
export function labelHeader(label: string): Uint8Array {
  if (label === "") return new Uint8Array(0);
  const bytes = encodeUtf8(label);
  if (bytes.length > LABEL_MAX_BYTES)
    throw new MemberlistError("malformed", `label of ${bytes.length} bytes`);
  const out = new Uint8Array(2 + bytes.length);
  out[0] = MessageType.hasLabel;
  out[1] = bytes.length;
  out.set(bytes, 2);
  return out;
}

/** The bytes a label adds to a packet (memberlist's `labelOverhead`). */
export function labelOverhead(label: string): number {
  return label === "" ? 0 : 2 + encodeUtf8(label).length;
}

/**
 * Splits a label header off `bytes`: `{ label, rest }`, or `undefined` when `bytes` (a stream
 * still arriving) ends inside the header. An empty label inside a header is `malformed`, as
 * memberlist refuses it.
 */
export function splitLabel(
  bytes: Uint8Array,
):
  | { readonly label: string; readonly labelBytes: Uint8Array; readonly rest: Uint8Array }
  | undefined {
  if (bytes.length === 0 || bytes[0] !== MessageType.hasLabel) {
    return { label: "", labelBytes: new Uint8Array(0), rest: bytes };
  }
  if (bytes.length < 2) return undefined;
  const size = bytes[1] as number;
  if (size < 1) throw new MemberlistError("malformed", "label header cannot be empty when present");
  if (bytes.length < 2 + size) return undefined;
  const labelBytes = bytes.slice(2, 2 + size);
  return { label: decodeUtf8(labelBytes), labelBytes, rest: bytes.subarray(2 + size) };
}
