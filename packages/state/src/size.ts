/**
 * Conservative size estimates of the protobuf encoding of the state messages' parts, used to cut
 * digests and deltas to a byte budget (the transport's MTU, less what the runtime reserves for the
 * envelope and message framing).
 *
 * Every estimate is an UPPER BOUND of the encoded size of the part *as embedded in its parent
 * message*: field tag, length prefix and body. Assumptions:
 * - every field tag takes {@link FIELD_TAG_BYTES} byte: every field number of `DigestEntry`,
 *   `DeltaEntry`, `OwnerDelta` and the four state messages is below 16 in
 *   `packages/codec/proto/grapevine.proto` (a test against the codec's `messageSize` fails if a
 *   renumbering ever breaks this);
 * - every scalar field is counted even when it holds its default value (the codec omits them,
 *   proto3 style: that is the estimate's only slack, a few bytes per part);
 * - integers are unsigned varints (`uint64`), sized from the value (10 bytes if not a safe
 *   non-negative integer);
 * - strings are counted in UTF-8 bytes (a lone surrogate counts as the 3 bytes of U+FFFD);
 * - length prefixes are varints of the (bounded) body length.
 *
 * Budgets passed to the state layer cover only these parts: a digest of entries `e` fits
 * `budget` when `sum(digestEntrySize(e)) <= budget`, and likewise for deltas. The message around
 * them is the runtime's to reserve: its size empty, plus {@link framingGrowth} for the two length
 * prefixes (envelope entry and message body) that grow as parts are added.
 */
import { varintSize as codecVarintSize, utf8Length } from "@grapevine/codec";

/** Length of `text` in UTF-8 bytes (unpaired surrogates count as U+FFFD, 3 bytes). */
export { utf8Length };

/** Bytes counted for every field tag (field numbers below 16, any wire type). */
export const FIELD_TAG_BYTES = 1;

/** Encoded size, in bytes, of `value` as a protobuf unsigned varint (1..10). */
export function varintSize(value: number): number {
  return value >= 0 && value <= Number.MAX_SAFE_INTEGER ? codecVarintSize(value) : 10;
}

/**
 * Upper bound of the bytes by which a state message grows beyond its empty size plus the sizes of
 * its parts, when parts totalling `partsBytes` are added: its two enclosing length prefixes (the
 * envelope's message entry and the message's body) lengthen as the body does. 2 bytes for
 * anything that fits a datagram (under 16 KiB).
 */
export function framingGrowth(partsBytes: number): number {
  return 2 * (varintSize(partsBytes + 16) - 1);
}

/** Size of a length-delimited field (tag, length prefix, then `length` bytes). */
export function lengthDelimitedSize(length: number): number {
  return FIELD_TAG_BYTES + varintSize(length) + length;
}

/** Size of a varint field holding `value` (tag, then the varint). */
export function varintFieldSize(value: number): number {
  return FIELD_TAG_BYTES + varintSize(value);
}

/** Size of a `bool` field (tag, then one byte). */
export const BOOL_FIELD_SIZE = FIELD_TAG_BYTES + 1;

/** Size of a string field holding `text`. */
export function stringFieldSize(text: string): number {
  return lengthDelimitedSize(utf8Length(text));
}

/** Upper bound of the encoded size of a {@link DigestEntry}-shaped part, embedded. */
export function digestEntrySize(owner: string, generation: number, maxVersion: number): number {
  return lengthDelimitedSize(
    stringFieldSize(owner) + varintFieldSize(generation) + varintFieldSize(maxVersion),
  );
}

/**
 * Upper bound of the encoded size of a `DeltaEntry`, embedded in its `OwnerDelta`. `keyBytes` is
 * the UTF-8 length of the key.
 */
export function deltaEntrySizeOf(keyBytes: number, valueBytes: number, version: number): number {
  return lengthDelimitedSize(
    lengthDelimitedSize(keyBytes) +
      lengthDelimitedSize(valueBytes) +
      varintFieldSize(version) +
      BOOL_FIELD_SIZE,
  );
}

/** Upper bound of the encoded size of a `DeltaEntry`, embedded in its `OwnerDelta`. */
export function deltaEntrySize(entry: {
  readonly key: string;
  readonly value: Uint8Array;
  readonly version: number;
}): number {
  return deltaEntrySizeOf(utf8Length(entry.key), entry.value.byteLength, entry.version);
}

/**
 * Upper bound of the body of an `OwnerDelta` without its entries: owner, generation,
 * fromVersion, reset, heartbeat and maxVersion fields.
 */
export function ownerDeltaHeaderSize(
  owner: string,
  generation: number,
  fromVersion: number,
  heartbeat: number,
  maxVersion: number,
): number {
  return (
    stringFieldSize(owner) +
    varintFieldSize(generation) +
    varintFieldSize(fromVersion) +
    BOOL_FIELD_SIZE +
    varintFieldSize(heartbeat) +
    varintFieldSize(maxVersion)
  );
}

/** Upper bound of an embedded `OwnerDelta` whose body (header plus entries) is `bodyBytes`. */
export function embeddedSize(bodyBytes: number): number {
  return lengthDelimitedSize(bodyBytes);
}

/** Upper bound of the encoded size of an {@link OwnerDelta}-shaped part, embedded in a message. */
export function ownerDeltaSize(delta: {
  readonly owner: string;
  readonly generation: number;
  readonly fromVersion: number;
  readonly heartbeat: number;
  readonly maxVersion: number;
  readonly entries: readonly {
    readonly key: string;
    readonly value: Uint8Array;
    readonly version: number;
  }[];
}): number {
  let body = ownerDeltaHeaderSize(
    delta.owner,
    delta.generation,
    delta.fromVersion,
    delta.heartbeat,
    delta.maxVersion,
  );
  for (const entry of delta.entries) body += deltaEntrySize(entry);
  return embeddedSize(body);
}

/** Upper bound of the encoded size of a list of owner deltas in one message. */
export function deltaSize(deltas: readonly Parameters<typeof ownerDeltaSize>[0][]): number {
  let total = 0;
  for (const delta of deltas) total += ownerDeltaSize(delta);
  return total;
}

/** Upper bound of the encoded size of a list of digest entries in one message. */
export function digestSize(
  entries: readonly {
    readonly owner: string;
    readonly generation: number;
    readonly maxVersion: number;
  }[],
): number {
  let total = 0;
  for (const e of entries) total += digestEntrySize(e.owner, e.generation, e.maxVersion);
  return total;
}
