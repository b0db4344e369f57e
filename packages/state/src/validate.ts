import type { RejectReason } from "./counters.js";
import type { StateLimits } from "./limits.js";
import { MAX_GENERATION } from "./self-claims.js";
import { utf8Length } from "./size.js";
import type { OwnerDelta } from "./wire.js";

function isVersion(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Checks what can be checked of a peer's owner delta without looking at what is held: that it is
 * not about `self`, that versions form a strictly increasing run inside `(fromVersion,
 * maxVersion]`, that a reset starts at 0, that the generation is below `MAX_GENERATION` and that
 * keys and values are within `limits`. Returns the
 * reason to refuse it, or `null`.
 */
export function checkOwnerDelta(
  delta: OwnerDelta,
  self: string,
  limits: StateLimits,
): RejectReason | null {
  if (delta.owner === self) return "self";
  if (
    !isVersion(delta.fromVersion) ||
    !isVersion(delta.maxVersion) ||
    delta.maxVersion < delta.fromVersion
  ) {
    return "non-monotonic";
  }
  if (!isVersion(delta.generation) || !isVersion(delta.heartbeat)) return "malformed";
  if (delta.generation >= MAX_GENERATION) return "malformed";
  if (delta.reset && delta.fromVersion !== 0) return "malformed";
  let previous = delta.fromVersion;
  for (const entry of delta.entries) {
    if (!isVersion(entry.version) || entry.version <= previous) return "non-monotonic";
    previous = entry.version;
    // A string has at least as many UTF-8 bytes as UTF-16 code units: a huge key is refused
    // before it is scanned.
    if (entry.key.length > limits.maxKeyBytes || utf8Length(entry.key) > limits.maxKeyBytes) {
      return "key-too-large";
    }
    if (entry.value.byteLength > limits.maxValueBytes) return "value-too-large";
  }
  if (previous > delta.maxVersion) return "non-monotonic";
  return null;
}
