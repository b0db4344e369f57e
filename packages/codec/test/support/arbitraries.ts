/** fast-check generators for every message type, biased towards the values that break codecs. */
import fc from "fast-check";
import type {
  DeltaEntry,
  DigestEntry,
  MemberStatus,
  Message,
  OwnerDelta,
  PushPullMember,
} from "../../src/index.js";

const MAX_U64 = 2n ** 64n - 1n;

/** Non-negative safe integers, with the varint length boundaries and the extremes. */
export const uint: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    1,
    127,
    128,
    16_383,
    16_384,
    2 ** 28 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 49,
    Number.MAX_SAFE_INTEGER,
  ),
  fc.nat(),
  fc.maxSafeNat(),
);

/** Full uint64 incarnations. */
/** A 32-bit unsigned integer (digest hashes and counts, HLC logical counters). */
const uint32: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 127, 128, 2 ** 31, 2 ** 32 - 1),
  fc.nat({ max: 2 ** 32 - 1 }),
);

export const incarnation: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 56n, 2n ** 63n, MAX_U64),
  fc.bigInt({ min: 0n, max: MAX_U64 }),
  fc.bigInt({ min: 0n, max: 1000n }),
);

const asciiName = fc.stringMatching(/^[a-z][a-z0-9.-]{0,40}$/);
/** Non-empty member names: ASCII hostnames and arbitrary Unicode (surrogate pairs included). */
export const name: fc.Arbitrary<string> = fc.oneof(
  asciiName,
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
  // Long enough for the native string paths, lone surrogates included.
  fc.string({ unit: "binary", minLength: 12, maxLength: 40 }),
  fc.string({ unit: "grapheme-composite", minLength: 12, maxLength: 20 }),
);
/** Any string field that may be empty. */
export const text: fc.Arbitrary<string> = fc.oneof(fc.constant(""), name);

/** Address URLs (possibly empty elements, as the type allows). */
export const addresses: fc.Arbitrary<string[]> = fc.array(
  fc.oneof(
    fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(65_535))
      .map(([a, b, port]) => `udp://10.${a}.${b}.1:${port}`),
    fc.constant("ws://host.example:8080/gossip"),
    text,
  ),
  { maxLength: 4 },
);

export const bytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ maxLength: 48 }),
);

export const status: fc.Arbitrary<MemberStatus> = fc.constantFrom(
  "alive",
  "suspect",
  "dead",
  "left",
);

export const digestEntry: fc.Arbitrary<DigestEntry> = fc.record({
  owner: name,
  generation: uint,
  maxVersion: uint,
});

export const deltaEntry: fc.Arbitrary<DeltaEntry> = fc.record({
  key: text,
  value: bytes,
  version: uint,
  tombstone: fc.boolean(),
});

export const ownerDelta: fc.Arbitrary<OwnerDelta> = fc.record({
  owner: name,
  generation: uint,
  fromVersion: uint,
  reset: fc.boolean(),
  heartbeat: uint,
  maxVersion: uint,
  entries: fc.array(deltaEntry, { maxLength: 4 }),
});

export const member: fc.Arbitrary<PushPullMember> = fc.record({
  name,
  incarnation,
  generation: uint,
  status,
  addresses,
  meta: bytes,
});

const delta = fc.array(ownerDelta, { maxLength: 3 });
const digest = fc.array(digestEntry, { maxLength: 4 });

/** One generator per message type, keyed by type. */
export const messageOf = {
  ping: fc.record({
    type: fc.constant("ping" as const),
    seq: uint,
    target: text,
    source: text,
    sourceAddresses: addresses,
  }),
  "ping-req": fc.record({
    type: fc.constant("ping-req" as const),
    seq: uint,
    target: text,
    targetAddresses: addresses,
    source: text,
    sourceAddresses: addresses,
    wantNack: fc.boolean(),
  }),
  ack: fc.record({ type: fc.constant("ack" as const), seq: uint, source: text, payload: bytes }),
  nack: fc.record({ type: fc.constant("nack" as const), seq: uint, source: text }),
  alive: fc.record({
    type: fc.constant("alive" as const),
    name,
    incarnation,
    generation: uint,
    addresses,
    meta: bytes,
  }),
  suspect: fc.record({ type: fc.constant("suspect" as const), name, incarnation, from: name }),
  dead: fc.record({ type: fc.constant("dead" as const), name, incarnation, from: name }),
  "state-syn": fc.record({
    type: fc.constant("state-syn" as const),
    digest,
    complete: fc.boolean(),
  }),
  "state-syn-ack": fc.record({
    type: fc.constant("state-syn-ack" as const),
    digest,
    complete: fc.boolean(),
    delta,
  }),
  "state-ack": fc.record({ type: fc.constant("state-ack" as const), delta }),
  "state-delta": fc.record({ type: fc.constant("state-delta" as const), delta }),
  "push-pull": fc.record({
    type: fc.constant("push-pull" as const),
    join: fc.boolean(),
    reply: fc.boolean(),
    source: text,
    members: fc.array(member, { maxLength: 3 }),
    delta,
  }),
  user: fc.record({
    type: fc.constant("user" as const),
    from: text,
    name: text,
    payload: bytes,
    coalesce: fc.boolean(),
    ltime: uint,
  }),
  "shared-digest": fc.record({
    type: fc.constant("shared-digest" as const),
    hash: uint32,
    count: uint32,
  }),
  "shared-delta": fc.record({
    type: fc.constant("shared-delta" as const),
    entries: fc.array(
      fc.record({
        key: name,
        value: bytes,
        wall: uint,
        logical: uint32,
        writer: name,
        tombstone: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
    hash: uint32,
    count: uint32,
    answer: fc.boolean(),
  }),
  query: fc.record({
    type: fc.constant("query" as const),
    id: uint,
    origin: name,
    generation: uint,
    originAddresses: addresses,
    name,
    payload: bytes,
    filterNames: fc.array(name, { maxLength: 3 }),
    filterTags: fc.array(fc.record({ tag: name, pattern: text }), { maxLength: 3 }),
    timeoutMs: fc.integer({ min: 0, max: 0xffff_ffff }),
    requestAck: fc.boolean(),
    relayFactor: fc.integer({ min: 0, max: 0xffff_ffff }),
  }),
  "query-response": fc.record({
    type: fc.constant("query-response" as const),
    id: uint,
    origin: name,
    generation: uint,
    from: name,
    ack: fc.boolean(),
    payload: bytes,
    relayTo: addresses,
  }),
  prune: fc.record({ type: fc.constant("prune" as const), name, incarnation, from: name }),
} satisfies { [K in Message["type"]]: fc.Arbitrary<Extract<Message, { type: K }>> };

/** Any message. */
export const message: fc.Arbitrary<Message> = fc.oneof(
  ...(Object.values(messageOf) as fc.Arbitrary<Message>[]),
);

/** Cluster labels, usually absent. */
export const label: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: name },
);

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * What the decoder returns for `value`: strings containing lone surrogates are sent as U+FFFD
 * (as `TextEncoder` does), everything else round-trips exactly.
 */
export function sent<T>(value: T): T {
  if (typeof value === "string") return utf8Decoder.decode(utf8Encoder.encode(value)) as T;
  if (Array.isArray(value)) return value.map(sent) as T;
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = sent(v);
  return out as T;
}
