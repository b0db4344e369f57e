import { CodecError, type CodecErrorReason } from "./codec-error.js";
import { type CodecLimits, DEFAULT_LIMITS, resolveLimits } from "./limits.js";
import type {
  Ack,
  Alive,
  DeltaEntry,
  DigestEntry,
  Envelope,
  Message,
  Nack,
  OwnerDelta,
  Ping,
  PingReq,
  PushPull,
  PushPullMember,
  StateAck,
  StateDelta,
  StateSyn,
  StateSynAck,
  UserMessage,
} from "./messages.js";
import { WIRE_VERSION } from "./messages.js";
import { readUtf8 } from "./utf8.js";
import { MEMBER_STATUS_BY_VALUE } from "./wire-schema.js";

/**
 * Outcome of {@link decode}. On success, `skipped` counts messages of kinds this version does not
 * know (sent by a newer node), which were left out of `envelope.messages`.
 */
export type DecodeResult =
  | { readonly ok: true; readonly envelope: Envelope; readonly skipped: number }
  | { readonly ok: false; readonly error: CodecError };

/** Thrown inside the decoder and turned into a {@link CodecError} at its boundary; no stack. */
class DecodeFailure {
  constructor(
    readonly reason: CodecErrorReason,
    readonly detail: string,
  ) {}
}

function fail(reason: CodecErrorReason, detail: string): never {
  throw new DecodeFailure(reason, detail);
}

// Tag bytes: (field number << 3) | wire type (0 varint, 2 length-delimited).
const V1 = 0x08;
const V2 = 0x10;
const V3 = 0x18;
const V4 = 0x20;
const V5 = 0x28;
const V6 = 0x30;
const L1 = 0x0a;
const L2 = 0x12;
const L3 = 0x1a;
const L4 = 0x22;
const L5 = 0x2a;
const L6 = 0x32;
const L7 = 0x3a;

const EMPTY: Uint8Array = new Uint8Array(0);
/**
 * Every empty byte field decodes to this one frozen array: a zero-length `Uint8Array` holds
 * nothing to share, and allocating one costs as much as a large one.
 */
const NO_BYTES: Uint8Array = Object.freeze(new Uint8Array(0));
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// Decoder state. decode() is synchronous and never re-entered, so one set suffices.
let buf: Uint8Array = EMPTY;
let pos = 0;
let lim: CodecLimits = DEFAULT_LIMITS;
/** Reason for a read running past its end: the packet is cut short only at the top level. */
let overrun: CodecErrorReason = "truncated";
let ownerCount = 0;
let entryCount = 0;

// ---------------------------------------------------------------------------------------------
// Primitives. Every read is bounded by `end`, the end of the enclosing message.

function readVarint(end: number): number {
  if (pos >= end) fail(overrun, "varint runs past the end");
  let b = buf[pos++]!;
  if (b < 0x80) return b;
  let value = b & 0x7f;
  let scale = 0x80;
  for (let i = 1; i < 10; i++) {
    if (pos >= end) fail(overrun, "varint runs past the end");
    b = buf[pos++]!;
    // Exact while below 2^53; any larger value stays above MAX_SAFE in floating point.
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (value > MAX_SAFE) fail("malformed", "integer above 2^53-1");
      return value;
    }
    scale *= 0x80;
  }
  return fail("malformed", "varint longer than 10 bytes");
}

function readUint64(end: number): bigint {
  const start = pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) fail(overrun, "varint runs past the end");
    const b = buf[pos++]!;
    if (i === 9 && b > 1) fail("malformed", "integer above 2^64-1");
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (value <= MAX_SAFE) return BigInt(value);
      let big = 0n;
      let shift = 0n;
      for (let k = start; k < pos; k++) {
        big |= BigInt(buf[k]! & 0x7f) << shift;
        shift += 7n;
      }
      return big;
    }
    scale *= 0x80;
  }
  return fail("malformed", "varint longer than 10 bytes");
}

function readBool(end: number): boolean {
  let set = false;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) fail(overrun, "varint runs past the end");
    const b = buf[pos++]!;
    if ((b & 0x7f) !== 0) set = true;
    if (b < 0x80) return set;
  }
  return fail("malformed", "varint longer than 10 bytes");
}

function readTag(end: number): number {
  let tag = buf[pos++]!;
  if (tag >= 0x80) {
    pos--;
    tag = readVarint(end);
    if (tag > 0xffffffff) fail("malformed", "field tag above 2^32-1");
  }
  if (tag < 8) fail("malformed", "field number 0");
  return tag;
}

function readLength(end: number): number {
  const len = readVarint(end);
  if (len > end - pos) fail(overrun, "length prefix runs past the end");
  return len;
}

/** Skips a field this message does not know; `known` is its highest known field number. */
function skipField(tag: number, end: number, known: number): void {
  const field = tag >>> 3;
  const wireType = tag & 7;
  if (field <= known) fail("malformed", `field ${field} has wire type ${wireType}`);
  switch (wireType) {
    case 0:
      readBool(end);
      return;
    case 1:
      if (end - pos < 8) fail(overrun, "fixed64 runs past the end");
      pos += 8;
      return;
    case 2: {
      // Not `pos += readLength(end)`: that would add to the value of pos before the read.
      const len = readLength(end);
      pos += len;
      return;
    }
    case 5:
      if (end - pos < 4) fail(overrun, "fixed32 runs past the end");
      pos += 4;
      return;
    default:
      fail("malformed", `field ${field} has wire type ${wireType}`);
  }
}

function readString(end: number, max: number, what: string): string {
  const len = readLength(end);
  if (len > max) fail("limit", `${what} of ${len} bytes exceeds ${max}`);
  const start = pos;
  pos += len;
  const s = readUtf8(buf, start, pos);
  if (s === undefined) fail("malformed", `${what} is not valid UTF-8`);
  return s;
}

function readName(end: number, what: string): string {
  return readString(end, lim.maxNameBytes, what);
}

function readAddress(end: number, into: string[]): void {
  if (into.length >= lim.maxAddresses) fail("limit", `more than ${lim.maxAddresses} addresses`);
  into.push(readString(end, lim.maxAddressBytes, "address"));
}

function readBytes(end: number, max: number, what: string): Uint8Array {
  const len = readLength(end);
  if (len > max) fail("limit", `${what} of ${len} bytes exceeds ${max}`);
  if (len === 0) return NO_BYTES;
  const start = pos;
  pos += len;
  return buf.slice(start, pos);
}

function required(value: string, what: string): string {
  if (value.length === 0) fail("malformed", `${what} is missing`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Messages. Each decoder consumes exactly [pos, end).

function decodePing(end: number): Ping {
  let seq = 0;
  let target = "";
  let source = "";
  const sourceAddresses: string[] = [];
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case V1:
        seq = readVarint(end);
        break;
      case L2:
        target = readName(end, "target");
        break;
      case L3:
        source = readName(end, "source");
        break;
      case L4:
        readAddress(end, sourceAddresses);
        break;
      default:
        skipField(tag, end, 4);
    }
  }
  return { type: "ping", seq, target, source, sourceAddresses };
}

function decodePingReq(end: number): PingReq {
  let seq = 0;
  let target = "";
  const targetAddresses: string[] = [];
  let source = "";
  const sourceAddresses: string[] = [];
  let wantNack = false;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case V1:
        seq = readVarint(end);
        break;
      case L2:
        target = readName(end, "target");
        break;
      case L3:
        readAddress(end, targetAddresses);
        break;
      case L4:
        source = readName(end, "source");
        break;
      case L5:
        readAddress(end, sourceAddresses);
        break;
      case V6:
        wantNack = readBool(end);
        break;
      default:
        skipField(tag, end, 6);
    }
  }
  return { type: "ping-req", seq, target, targetAddresses, source, sourceAddresses, wantNack };
}

function decodeAck(end: number): Ack {
  let seq = 0;
  let source = "";
  let payload = NO_BYTES;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case V1:
        seq = readVarint(end);
        break;
      case L2:
        source = readName(end, "source");
        break;
      case L3:
        payload = readBytes(end, lim.maxPayloadBytes, "ack payload");
        break;
      default:
        skipField(tag, end, 3);
    }
  }
  return { type: "ack", seq, source, payload };
}

function decodeNack(end: number): Nack {
  let seq = 0;
  let source = "";
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case V1:
        seq = readVarint(end);
        break;
      case L2:
        source = readName(end, "source");
        break;
      default:
        skipField(tag, end, 2);
    }
  }
  return { type: "nack", seq, source };
}

function decodeAlive(end: number): Alive {
  let name = "";
  let incarnation = 0n;
  let generation = 0;
  const addresses: string[] = [];
  let meta = NO_BYTES;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        name = readName(end, "name");
        break;
      case V2:
        incarnation = readUint64(end);
        break;
      case V3:
        generation = readVarint(end);
        break;
      case L4:
        readAddress(end, addresses);
        break;
      case L5:
        meta = readBytes(end, lim.maxMetaBytes, "meta");
        break;
      default:
        skipField(tag, end, 5);
    }
  }
  return {
    type: "alive",
    name: required(name, "alive name"),
    incarnation,
    generation,
    addresses,
    meta,
  };
}

function decodeAccusation<T extends "suspect" | "dead">(
  type: T,
  end: number,
): { type: T; name: string; incarnation: bigint; from: string } {
  let name = "";
  let incarnation = 0n;
  let from = "";
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        name = readName(end, "name");
        break;
      case V2:
        incarnation = readUint64(end);
        break;
      case L3:
        from = readName(end, "from");
        break;
      default:
        skipField(tag, end, 3);
    }
  }
  return {
    type,
    name: required(name, `${type} name`),
    incarnation,
    from: required(from, `${type} from`),
  };
}

function decodeDigestEntry(end: number): DigestEntry {
  let owner = "";
  let generation = 0;
  let maxVersion = 0;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        owner = readName(end, "owner");
        break;
      case V2:
        generation = readVarint(end);
        break;
      case V3:
        maxVersion = readVarint(end);
        break;
      default:
        skipField(tag, end, 3);
    }
  }
  return { owner: required(owner, "digest owner"), generation, maxVersion };
}

function readDigestEntry(end: number, into: DigestEntry[]): void {
  if (into.length >= lim.maxDigestEntries) {
    fail("limit", `more than ${lim.maxDigestEntries} digest entries`);
  }
  const len = readLength(end);
  into.push(decodeDigestEntry(pos + len));
}

function decodeDeltaEntry(end: number): DeltaEntry {
  let key = "";
  let value = NO_BYTES;
  let version = 0;
  let tombstone = false;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        key = readString(end, lim.maxKeyBytes, "key");
        break;
      case L2:
        value = readBytes(end, lim.maxValueBytes, "value");
        break;
      case V3:
        version = readVarint(end);
        break;
      case V4:
        tombstone = readBool(end);
        break;
      default:
        skipField(tag, end, 4);
    }
  }
  return { key, value, version, tombstone };
}

function decodeOwnerDelta(end: number): OwnerDelta {
  let owner = "";
  let generation = 0;
  let fromVersion = 0;
  let reset = false;
  let heartbeat = 0;
  let maxVersion = 0;
  const entries: DeltaEntry[] = [];
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        owner = readName(end, "owner");
        break;
      case V2:
        generation = readVarint(end);
        break;
      case V3:
        fromVersion = readVarint(end);
        break;
      case V4:
        reset = readBool(end);
        break;
      case V5:
        heartbeat = readVarint(end);
        break;
      case V6:
        maxVersion = readVarint(end);
        break;
      case L7: {
        if (++entryCount > lim.maxEntries) fail("limit", `more than ${lim.maxEntries} entries`);
        const len = readLength(end);
        entries.push(decodeDeltaEntry(pos + len));
        break;
      }
      default:
        skipField(tag, end, 7);
    }
  }
  return {
    owner: required(owner, "delta owner"),
    generation,
    fromVersion,
    reset,
    heartbeat,
    maxVersion,
    entries,
  };
}

function readOwnerDelta(end: number, into: OwnerDelta[]): void {
  if (++ownerCount > lim.maxOwners) fail("limit", `more than ${lim.maxOwners} owner deltas`);
  const len = readLength(end);
  into.push(decodeOwnerDelta(pos + len));
}

function decodeStateSyn(end: number): StateSyn {
  const digest: DigestEntry[] = [];
  let complete = false;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        readDigestEntry(end, digest);
        break;
      case V2:
        complete = readBool(end);
        break;
      default:
        skipField(tag, end, 2);
    }
  }
  return { type: "state-syn", digest, complete };
}

function decodeStateSynAck(end: number): StateSynAck {
  const digest: DigestEntry[] = [];
  let complete = false;
  const delta: OwnerDelta[] = [];
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        readDigestEntry(end, digest);
        break;
      case V2:
        complete = readBool(end);
        break;
      case L3:
        readOwnerDelta(end, delta);
        break;
      default:
        skipField(tag, end, 3);
    }
  }
  return { type: "state-syn-ack", digest, complete, delta };
}

function decodeDeltaOnly(type: "state-ack" | "state-delta", end: number): StateAck | StateDelta {
  const delta: OwnerDelta[] = [];
  while (pos < end) {
    const tag = readTag(end);
    if (tag === L1) readOwnerDelta(end, delta);
    else skipField(tag, end, 1);
  }
  return { type, delta };
}

function decodeMember(end: number): PushPullMember {
  let name = "";
  let incarnation = 0n;
  let generation = 0;
  let status = 0;
  const addresses: string[] = [];
  let meta = NO_BYTES;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        name = readName(end, "name");
        break;
      case V2:
        incarnation = readUint64(end);
        break;
      case V3:
        generation = readVarint(end);
        break;
      case V4:
        status = readVarint(end);
        break;
      case L5:
        readAddress(end, addresses);
        break;
      case L6:
        meta = readBytes(end, lim.maxMetaBytes, "meta");
        break;
      default:
        skipField(tag, end, 6);
    }
  }
  const memberStatus = MEMBER_STATUS_BY_VALUE[status];
  if (memberStatus === undefined) fail("malformed", `member status ${status}`);
  return {
    name: required(name, "member name"),
    incarnation,
    generation,
    status: memberStatus,
    addresses,
    meta,
  };
}

function decodePushPull(end: number): PushPull {
  let join = false;
  let reply = false;
  let source = "";
  const members: PushPullMember[] = [];
  const delta: OwnerDelta[] = [];
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case V1:
        join = readBool(end);
        break;
      case V2:
        reply = readBool(end);
        break;
      case L3:
        source = readName(end, "source");
        break;
      case L4: {
        if (members.length >= lim.maxMembers) fail("limit", `more than ${lim.maxMembers} members`);
        const len = readLength(end);
        members.push(decodeMember(pos + len));
        break;
      }
      case L5:
        readOwnerDelta(end, delta);
        break;
      default:
        skipField(tag, end, 5);
    }
  }
  return { type: "push-pull", join, reply, source, members, delta };
}

function decodeUser(end: number): UserMessage {
  let from = "";
  let name = "";
  let payload = NO_BYTES;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case L1:
        from = readName(end, "from");
        break;
      case L2:
        name = readName(end, "user message name");
        break;
      case L3:
        payload = readBytes(end, lim.maxPayloadBytes, "user payload");
        break;
      default:
        skipField(tag, end, 3);
    }
  }
  return { type: "user", from, name, payload };
}

/** Highest message kind (oneof field number) this version knows. */
const KNOWN_KINDS = 13;

function decodeKind(kind: number, end: number): Message {
  ownerCount = 0;
  entryCount = 0;
  switch (kind) {
    case 1:
      return decodePing(end);
    case 2:
      return decodePingReq(end);
    case 3:
      return decodeAck(end);
    case 4:
      return decodeNack(end);
    case 5:
      return decodeAlive(end);
    case 6:
      return decodeAccusation("suspect", end);
    case 7:
      return decodeAccusation("dead", end);
    case 8:
      return decodeStateSyn(end);
    case 9:
      return decodeStateSynAck(end);
    case 10:
      return decodeDeltaOnly("state-ack", end);
    case 11:
      return decodeDeltaOnly("state-delta", end);
    case 12:
      return decodePushPull(end);
    default:
      return decodeUser(end);
  }
}

/**
 * Decodes one `Message` wrapper. Returns `undefined` for a kind this version does not know; a
 * wrapper with no field at all cannot come from any encoder and is malformed.
 */
function decodeMessage(end: number): Message | undefined {
  let msg: Message | undefined;
  let fields = 0;
  while (pos < end) {
    const tag = readTag(end);
    fields++;
    const kind = tag >>> 3;
    if ((tag & 7) === 2 && kind <= KNOWN_KINDS) {
      const len = readLength(end);
      // A repeated oneof member: the last one wins, as in every protobuf decoder.
      msg = decodeKind(kind, pos + len);
    } else {
      skipField(tag, end, KNOWN_KINDS);
    }
  }
  if (fields === 0) fail("malformed", "message with no kind");
  return msg;
}

function decodeEnvelope(end: number): DecodeResult {
  // Pass 1: the envelope's own fields, checking framing, version, label and message count
  // before any message is decoded.
  overrun = "truncated";
  let version = 0;
  let labelStart = 0;
  let labelEnd = 0;
  let count = 0;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case V1:
        version = readVarint(end);
        if (version !== WIRE_VERSION) return failure("unknown-version", `wire version ${version}`);
        break;
      case L2: {
        const len = readLength(end);
        labelStart = pos;
        pos += len;
        labelEnd = pos;
        break;
      }
      case L3: {
        const len = readLength(end);
        pos += len;
        count++;
        break;
      }
      default:
        skipField(tag, end, 3);
    }
  }
  if (version !== WIRE_VERSION) return failure("unknown-version", "wire version absent");
  if (labelEnd - labelStart > lim.maxNameBytes) {
    return failure("limit", `label of ${labelEnd - labelStart} bytes exceeds ${lim.maxNameBytes}`);
  }
  const label = readUtf8(buf, labelStart, labelEnd);
  if (label === undefined) return failure("malformed", "label is not valid UTF-8");
  if (lim.label !== undefined && label !== lim.label) {
    return failure(
      "label-mismatch",
      `label ${JSON.stringify(label)}, expected ${JSON.stringify(lim.label)}`,
    );
  }
  if (count > lim.maxMessages) {
    return failure("limit", `${count} messages exceed ${lim.maxMessages}`);
  }

  // Pass 2: the messages. Framing is known good, so any overrun from here on is inside a
  // message and means malformed, not truncated.
  overrun = "malformed";
  pos = 0;
  const messages: Message[] = [];
  let skipped = 0;
  while (pos < end) {
    const tag = readTag(end);
    if (tag === L3) {
      const len = readLength(end);
      const msg = decodeMessage(pos + len);
      if (msg === undefined) skipped++;
      else messages.push(msg);
    } else {
      // Version, label and unknown fields, all checked in pass 1.
      skipField(tag, end, 0);
    }
  }
  return { ok: true, envelope: { version, label, messages }, skipped };
}

/**
 * A decode error describes the input, not the code, so it carries no stack trace: capturing one
 * costs ten times more than the rest of rejecting a packet, and a flood of junk must stay cheap.
 */
function failure(reason: CodecErrorReason, detail: string): DecodeResult {
  // V8's Error.stackTraceLimit, typed locally (no Node types needed to typecheck the codec).
  const errorClass = Error as unknown as { stackTraceLimit: number };
  const stackTraceLimit = errorClass.stackTraceLimit;
  errorClass.stackTraceLimit = 0;
  const error = new CodecError(reason, detail);
  errorClass.stackTraceLimit = stackTraceLimit;
  return { ok: false, error };
}

/**
 * Decodes one packet (a datagram or a stream frame). Never throws: every problem comes back as a
 * {@link CodecError} with a typed reason (see {@link CodecErrorReason}), checked in this order:
 * `oversized` (input longer than `limits.maxPacketBytes`), `truncated` (empty, or the envelope
 * ends past the input), `unknown-version`, `limit` on the label, `label-mismatch`, `limit` on
 * the message count, then each message in turn (`malformed`, `limit`).
 *
 * Compatibility (see `proto/grapevine.proto`): unknown fields anywhere are ignored, and a message
 * of an unknown kind is skipped (counted in `skipped`) while the rest of the packet is kept. A
 * singular field that appears twice takes its last value.
 *
 * Memory: every length is checked against the bytes that remain before anything is read or
 * allocated, so a forged length prefix costs nothing; what is allocated is proportional to the
 * input. Byte fields (`meta`, `payload`, `value`) are copies, never views of `bytes`, so the
 * caller may reuse its buffer; empty ones are all the same frozen zero-length array.
 *
 * @param bytes the packet; any `Uint8Array` (a Node `Buffer` too).
 * @param limits overrides of {@link DEFAULT_LIMITS}, and the expected cluster label if any.
 */
export function decode(bytes: Uint8Array, limits?: Partial<CodecLimits>): DecodeResult {
  const resolved = resolveLimits(limits);
  if (!(bytes instanceof Uint8Array)) return failure("malformed", "input is not a Uint8Array");
  const n = bytes.length;
  if (n > resolved.maxPacketBytes) {
    return failure("oversized", `${n} bytes exceed ${resolved.maxPacketBytes}`);
  }
  if (n === 0) return failure("truncated", "empty packet");
  buf =
    bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, n);
  pos = 0;
  lim = resolved;
  try {
    return decodeEnvelope(n);
  } catch (e) {
    if (e instanceof DecodeFailure) return failure(e.reason, e.detail);
    // Not reachable by construction; the fuzz tests look for this text.
    return failure("malformed", `internal decoder error: ${String(e)}`);
  } finally {
    buf = EMPTY;
    lim = DEFAULT_LIMITS;
  }
}
