/**
 * The protobuf encoder for `grapevine.proto`, written against the wire format directly so that
 * a packet is built in one exactly-sized buffer with no intermediate objects.
 *
 * Encoding is two passes over each message. Sizing walks the message in field order and pushes,
 * in pre-order, the length of every nested message and every non-empty string onto a stack;
 * writing walks it again in the same order and replays the stack for each length prefix, so no
 * string is measured twice and no buffer is resized. Callers remember the stack position at
 * which a message's sizes start (its mark), so `pack` can write messages into packets in any
 * order after sizing them all once.
 *
 * Proto3 implicit presence: zero numbers, `false`, empty strings and empty bytes are omitted;
 * elements of repeated fields are always written. Fields go out in field-number order, which is
 * what protobufjs and every canonical encoder produce.
 *
 * @internal
 */
import { CodecError } from "./codec-error.js";
import type { DeltaEntry, DigestEntry, Message, OwnerDelta, PushPullMember } from "./messages.js";
import { WIRE_VERSION } from "./messages.js";
import { utf8Length, writeUtf8 } from "./utf8.js";
import { MEMBER_STATUS_VALUE, MESSAGE_KIND } from "./wire-schema.js";

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
const UINT32_MASK = 0xffffffffn;

// Tag bytes: (field number << 3) | wire type, where 0 is varint and 2 is length-delimited.
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

// ---------------------------------------------------------------------------------------------
// Sizing

const stack: number[] = [];
let top = 0;

/** Stack entries kept between calls; a larger stack (from a huge push-pull) is released. */
const RETAINED_STACK = 1 << 16;

/** Forgets all sizes recorded so far; the next {@link sizeMessage} gets mark 0. */
export function resetSizes(): void {
  top = 0;
  if (stack.length > RETAINED_STACK) stack.length = 0;
}

/** Stack position at which the next {@link sizeMessage} records its sizes. */
export function sizeMark(): number {
  return top;
}

function unencodable(what: string): never {
  throw new CodecError("malformed", `cannot encode ${what}`);
}

/** Bytes of a varint holding `n`, a non-negative safe integer. */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  if (n < 0x800000000) return 5;
  if (n < 0x40000000000) return 6;
  if (n < 0x2000000000000) return 7;
  return 8;
}

function bigVarintSize(b: bigint): number {
  if (b <= MAX_SAFE_BIGINT) return varintSize(Number(b));
  if (b < 1n << 56n) return 8;
  if (b < 1n << 63n) return 9;
  return 10;
}

function sString(s: string): number {
  if (s.length === 0) return 0;
  const len = utf8Length(s);
  stack[top++] = len;
  return 1 + varintSize(len) + len;
}

function sName(s: string, what: string): number {
  if (s.length === 0) unencodable(`${what}: empty name`);
  return sString(s);
}

function sStrings(list: readonly string[]): number {
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    const len = s.length === 0 ? 0 : utf8Length(s);
    stack[top++] = len;
    total += 1 + varintSize(len) + len;
  }
  return total;
}

function sBytes(b: Uint8Array): number {
  const len = b.length;
  return len === 0 ? 0 : 1 + varintSize(len) + len;
}

function sUint(n: number, what: string): number {
  if (n === 0) return 0;
  if (!Number.isSafeInteger(n) || n < 0) {
    unencodable(`${what} = ${String(n)}: not an integer in [0, 2^53-1]`);
  }
  return 1 + varintSize(n);
}

function sIncarnation(b: bigint): number {
  if (b === 0n) return 0;
  if (typeof b !== "bigint" || b < 0n || b > MAX_UINT64) {
    unencodable(`incarnation = ${String(b)}: not a bigint in [0, 2^64-1]`);
  }
  return 1 + bigVarintSize(b);
}

function sNested(len: number): number {
  return 1 + varintSize(len) + len;
}

function sDigestEntry(e: DigestEntry): number {
  const slot = top++;
  const len =
    sName(e.owner, "digest owner") +
    sUint(e.generation, "generation") +
    sUint(e.maxVersion, "maxVersion");
  stack[slot] = len;
  return sNested(len);
}

function sDigest(digest: readonly DigestEntry[]): number {
  let total = 0;
  for (let i = 0; i < digest.length; i++) total += sDigestEntry(digest[i]!);
  return total;
}

function sDeltaEntry(e: DeltaEntry): number {
  const slot = top++;
  const len =
    sString(e.key) + sBytes(e.value) + sUint(e.version, "version") + (e.tombstone ? 2 : 0);
  stack[slot] = len;
  return sNested(len);
}

function sOwnerDelta(d: OwnerDelta): number {
  const slot = top++;
  let len =
    sName(d.owner, "delta owner") +
    sUint(d.generation, "generation") +
    sUint(d.fromVersion, "fromVersion") +
    (d.reset ? 2 : 0) +
    sUint(d.heartbeat, "heartbeat") +
    sUint(d.maxVersion, "maxVersion");
  const entries = d.entries;
  for (let i = 0; i < entries.length; i++) len += sDeltaEntry(entries[i]!);
  stack[slot] = len;
  return sNested(len);
}

function sDelta(delta: readonly OwnerDelta[]): number {
  let total = 0;
  for (let i = 0; i < delta.length; i++) total += sOwnerDelta(delta[i]!);
  return total;
}

function sMember(m: PushPullMember): number {
  const slot = top++;
  if (MEMBER_STATUS_VALUE[m.status] === undefined) {
    unencodable(`member status ${JSON.stringify(m.status)}`);
  }
  const len =
    sName(m.name, "member name") +
    sIncarnation(m.incarnation) +
    sUint(m.generation, "generation") +
    2 +
    sStrings(m.addresses) +
    sBytes(m.meta);
  stack[slot] = len;
  return sNested(len);
}

function sBody(msg: Message): number {
  switch (msg.type) {
    case "ping":
      return (
        sUint(msg.seq, "seq") +
        sString(msg.target) +
        sString(msg.source) +
        sStrings(msg.sourceAddresses)
      );
    case "ping-req":
      return (
        sUint(msg.seq, "seq") +
        sString(msg.target) +
        sStrings(msg.targetAddresses) +
        sString(msg.source) +
        sStrings(msg.sourceAddresses) +
        (msg.wantNack ? 2 : 0)
      );
    case "ack":
      return sUint(msg.seq, "seq") + sString(msg.source) + sBytes(msg.payload);
    case "nack":
      return sUint(msg.seq, "seq") + sString(msg.source);
    case "alive":
      return (
        sName(msg.name, "alive name") +
        sIncarnation(msg.incarnation) +
        sUint(msg.generation, "generation") +
        sStrings(msg.addresses) +
        sBytes(msg.meta)
      );
    case "suspect":
    case "dead":
      return (
        sName(msg.name, `${msg.type} name`) +
        sIncarnation(msg.incarnation) +
        sName(msg.from, `${msg.type} from`)
      );
    case "state-syn":
      return sDigest(msg.digest) + (msg.complete ? 2 : 0);
    case "state-syn-ack":
      return sDigest(msg.digest) + (msg.complete ? 2 : 0) + sDelta(msg.delta);
    case "state-ack":
    case "state-delta":
      return sDelta(msg.delta);
    case "push-pull": {
      let len = (msg.join ? 2 : 0) + (msg.reply ? 2 : 0) + sString(msg.source);
      const members = msg.members;
      for (let i = 0; i < members.length; i++) len += sMember(members[i]!);
      return len + sDelta(msg.delta);
    }
    case "user":
      return sString(msg.from) + sString(msg.name) + sBytes(msg.payload);
    default:
      return unencodable(`message type ${JSON.stringify((msg as { type: unknown }).type)}`);
  }
}

/**
 * Sizes `msg` (recording its nested sizes from the current mark) and returns the exact number of
 * bytes it adds to an envelope: the `messages` tag, the length prefix and the `Message` wrapper
 * (kind tag, body length prefix, body). Throws {@link CodecError} (`malformed`) for values that
 * cannot be encoded.
 */
export function sizeMessage(msg: Message): number {
  const slot = top++;
  const body = sBody(msg);
  stack[slot] = body;
  const wrapped = 1 + varintSize(body) + body;
  return 1 + varintSize(wrapped) + wrapped;
}

/** Bytes of the envelope fields other than `messages`: the version and the label if any. */
export function envelopeHeaderSize(label: string): number {
  const version = 1 + varintSize(WIRE_VERSION);
  if (label.length === 0) return version;
  const len = utf8Length(label);
  return version + 1 + varintSize(len) + len;
}

// ---------------------------------------------------------------------------------------------
// Writing

const NO_BUFFER = new Uint8Array(0);
let buf: Uint8Array = NO_BUFFER;
let pos = 0;
let cur = 0;

/** Starts writing into `out` at offset 0. */
export function startWrite(out: Uint8Array): void {
  buf = out;
  pos = 0;
}

/** Returns the number of bytes written since {@link startWrite} and releases the buffer. */
export function endWrite(): number {
  const written = pos;
  buf = NO_BUFFER;
  pos = 0;
  return written;
}

function wVarint(n: number): void {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = n > 0xffffffff ? Math.floor(n / 128) : n >>> 7;
  }
  buf[pos++] = n;
}

function wBigVarint(b: bigint): void {
  if (b <= MAX_SAFE_BIGINT) {
    wVarint(Number(b));
    return;
  }
  let lo = Number(b & UINT32_MASK);
  let hi = Number(b >> 32n);
  while (hi > 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
}

function wString(tag: number, s: string): void {
  if (s.length === 0) return;
  const len = stack[cur++]!;
  buf[pos++] = tag;
  wVarint(len);
  writeUtf8(buf, pos, s, len);
  pos += len;
}

function wStrings(tag: number, list: readonly string[]): void {
  for (let i = 0; i < list.length; i++) {
    const len = stack[cur++]!;
    buf[pos++] = tag;
    wVarint(len);
    if (len !== 0) writeUtf8(buf, pos, list[i]!, len);
    pos += len;
  }
}

function wBytes(tag: number, b: Uint8Array): void {
  const len = b.length;
  if (len === 0) return;
  buf[pos++] = tag;
  wVarint(len);
  if (len < 16) {
    for (let i = 0; i < len; i++) buf[pos + i] = b[i]!;
  } else {
    buf.set(b, pos);
  }
  pos += len;
}

function wUint(tag: number, n: number): void {
  if (n === 0) return;
  buf[pos++] = tag;
  wVarint(n);
}

function wIncarnation(tag: number, b: bigint): void {
  if (b === 0n) return;
  buf[pos++] = tag;
  wBigVarint(b);
}

function wBool(tag: number, b: boolean): void {
  if (!b) return;
  buf[pos++] = tag;
  buf[pos++] = 1;
}

function wNestedHeader(tag: number): void {
  buf[pos++] = tag;
  wVarint(stack[cur++]!);
}

function wDigest(tag: number, digest: readonly DigestEntry[]): void {
  for (let i = 0; i < digest.length; i++) {
    const e = digest[i]!;
    wNestedHeader(tag);
    wString(L1, e.owner);
    wUint(V2, e.generation);
    wUint(V3, e.maxVersion);
  }
}

function wDelta(tag: number, delta: readonly OwnerDelta[]): void {
  for (let i = 0; i < delta.length; i++) {
    const d = delta[i]!;
    wNestedHeader(tag);
    wString(L1, d.owner);
    wUint(V2, d.generation);
    wUint(V3, d.fromVersion);
    wBool(V4, d.reset);
    wUint(V5, d.heartbeat);
    wUint(V6, d.maxVersion);
    const entries = d.entries;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      wNestedHeader(L7);
      wString(L1, e.key);
      wBytes(L2, e.value);
      wUint(V3, e.version);
      wBool(V4, e.tombstone);
    }
  }
}

function wMembers(tag: number, members: readonly PushPullMember[]): void {
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    wNestedHeader(tag);
    wString(L1, m.name);
    wIncarnation(V2, m.incarnation);
    wUint(V3, m.generation);
    buf[pos++] = V4;
    buf[pos++] = MEMBER_STATUS_VALUE[m.status];
    wStrings(L5, m.addresses);
    wBytes(L6, m.meta);
  }
}

function wBody(msg: Message): void {
  switch (msg.type) {
    case "ping":
      wUint(V1, msg.seq);
      wString(L2, msg.target);
      wString(L3, msg.source);
      wStrings(L4, msg.sourceAddresses);
      return;
    case "ping-req":
      wUint(V1, msg.seq);
      wString(L2, msg.target);
      wStrings(L3, msg.targetAddresses);
      wString(L4, msg.source);
      wStrings(L5, msg.sourceAddresses);
      wBool(V6, msg.wantNack);
      return;
    case "ack":
      wUint(V1, msg.seq);
      wString(L2, msg.source);
      wBytes(L3, msg.payload);
      return;
    case "nack":
      wUint(V1, msg.seq);
      wString(L2, msg.source);
      return;
    case "alive":
      wString(L1, msg.name);
      wIncarnation(V2, msg.incarnation);
      wUint(V3, msg.generation);
      wStrings(L4, msg.addresses);
      wBytes(L5, msg.meta);
      return;
    case "suspect":
    case "dead":
      wString(L1, msg.name);
      wIncarnation(V2, msg.incarnation);
      wString(L3, msg.from);
      return;
    case "state-syn":
      wDigest(L1, msg.digest);
      wBool(V2, msg.complete);
      return;
    case "state-syn-ack":
      wDigest(L1, msg.digest);
      wBool(V2, msg.complete);
      wDelta(L3, msg.delta);
      return;
    case "state-ack":
    case "state-delta":
      wDelta(L1, msg.delta);
      return;
    case "push-pull":
      wBool(V1, msg.join);
      wBool(V2, msg.reply);
      wString(L3, msg.source);
      wMembers(L4, msg.members);
      wDelta(L5, msg.delta);
      return;
    case "user":
      wString(L1, msg.from);
      wString(L2, msg.name);
      wBytes(L3, msg.payload);
      return;
  }
}

/** Writes the envelope's version and label fields. */
export function writeEnvelopeHeader(label: string): void {
  buf[pos++] = V1;
  wVarint(WIRE_VERSION);
  if (label.length === 0) return;
  const len = utf8Length(label);
  buf[pos++] = L2;
  wVarint(len);
  writeUtf8(buf, pos, label, len);
  pos += len;
}

/**
 * Writes `msg` as one `messages` field, replaying the sizes recorded at `mark`. Returns the mark
 * just past this message's sizes, which is the next message's mark when they were sized in order.
 */
export function writeMessage(msg: Message, mark: number): number {
  cur = mark;
  const body = stack[cur++]!;
  buf[pos++] = L3;
  wVarint(1 + varintSize(body) + body);
  buf[pos++] = (MESSAGE_KIND[msg.type] << 3) | 2;
  wVarint(body);
  wBody(msg);
  return cur;
}
