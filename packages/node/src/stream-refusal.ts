/**
 * A stream refusal: the short frame a member writes back, instead of closing the stream in
 * silence, when it cannot read a stream request, so that a joining member can name the cause
 * (a key or label mismatch) rather than only report that the seed did not answer. It says which
 * check failed and nothing else: no key, label or member data.
 *
 * Layout: `0xFF "GV!"` then one reason byte. The first byte can start neither a sealed frame
 * (a key version below 0x08) nor a plaintext envelope (a protobuf tag), so it is never mistaken for
 * an answer, and a member that predates refusals drops it as malformed.
 */

/** Why a member refused a stream request. */
export type StreamRefusalReason =
  /** It could not open the request: another key, another encryption setting, or (sealed) label. */
  | "cannot-open"
  /** The request was readable but carried another cluster label. */
  | "label-mismatch";

const MAGIC = [0xff, 0x47, 0x56, 0x21] as const;
const REASONS: readonly StreamRefusalReason[] = ["cannot-open", "label-mismatch"];

/** The refusal frame for `reason`. */
export function streamRefusal(reason: StreamRefusalReason): Uint8Array {
  return Uint8Array.of(...MAGIC, REASONS.indexOf(reason) + 1);
}

/** The reason a frame refuses a request, or `undefined` when it is not a refusal. */
export function readStreamRefusal(frame: Uint8Array): StreamRefusalReason | undefined {
  if (frame.length !== MAGIC.length + 1) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (frame[i] !== MAGIC[i]) return undefined;
  return REASONS[frame[MAGIC.length]! - 1];
}
