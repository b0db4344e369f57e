/**
 * protobufjs, loading grapevine.proto at run time, adapted to the codec's message types. It is
 * the reference the generated codec is checked against: both must produce and accept the same
 * bytes. (protobufjs' reflection compiles the same encoder and decoder code that its static
 * target writes out; `readme.test.ts` checks the static code too.)
 */
import { fileURLToPath } from "node:url";
import Long from "long";
import protobuf from "protobufjs";
import type {
  DeltaEntry,
  DigestEntry,
  Envelope,
  MemberStatus,
  Message,
  OwnerDelta,
  PushPullMember,
} from "../../src/index.js";

// protobufjs finds `long` through a CommonJS require that fails under some ESM loaders, and then
// silently reads uint64 as lossy doubles. Hand it the module explicitly.
protobuf.util.Long = Long;
protobuf.configure();

const root = protobuf.loadSync(
  fileURLToPath(new URL("../../proto/grapevine.proto", import.meta.url)),
);
const ProtoEnvelope = root.lookupType("grapevine.v1.Envelope");

type Obj = Record<string, unknown>;

function u64(b: bigint): Long {
  return Long.fromString(b.toString(), true);
}

const STATUS: Record<MemberStatus, number> = { alive: 1, suspect: 2, dead: 3, left: 4 };
const STATUS_NAME: Record<string, MemberStatus> = {
  MEMBER_STATUS_ALIVE: "alive",
  MEMBER_STATUS_SUSPECT: "suspect",
  MEMBER_STATUS_DEAD: "dead",
  MEMBER_STATUS_LEFT: "left",
};

function digestToProto(e: DigestEntry): Obj {
  return { owner: e.owner, generation: e.generation, maxVersion: e.maxVersion };
}

function deltaToProto(d: OwnerDelta): Obj {
  return {
    owner: d.owner,
    generation: d.generation,
    fromVersion: d.fromVersion,
    reset: d.reset,
    heartbeat: d.heartbeat,
    maxVersion: d.maxVersion,
    entries: d.entries.map((e) => ({
      key: e.key,
      value: e.value,
      version: e.version,
      tombstone: e.tombstone,
    })),
  };
}

function memberToProto(m: PushPullMember): Obj {
  return {
    name: m.name,
    incarnation: u64(m.incarnation),
    generation: m.generation,
    status: STATUS[m.status],
    addresses: [...m.addresses],
    meta: m.meta,
  };
}

/** A codec message as a protobufjs `Message` properties object. */
export function messageToProto(m: Message): Obj {
  switch (m.type) {
    case "ping":
      return {
        ping: {
          seq: m.seq,
          target: m.target,
          source: m.source,
          sourceAddresses: [...m.sourceAddresses],
        },
      };
    case "ping-req":
      return {
        pingReq: {
          seq: m.seq,
          target: m.target,
          targetAddresses: [...m.targetAddresses],
          source: m.source,
          sourceAddresses: [...m.sourceAddresses],
          wantNack: m.wantNack,
        },
      };
    case "ack":
      return { ack: { seq: m.seq, source: m.source, payload: m.payload } };
    case "nack":
      return { nack: { seq: m.seq, source: m.source } };
    case "alive":
      return {
        alive: {
          name: m.name,
          incarnation: u64(m.incarnation),
          generation: m.generation,
          addresses: [...m.addresses],
          meta: m.meta,
        },
      };
    case "suspect":
      return { suspect: { name: m.name, incarnation: u64(m.incarnation), from: m.from } };
    case "dead":
      return { dead: { name: m.name, incarnation: u64(m.incarnation), from: m.from } };
    case "state-syn":
      return { stateSyn: { digest: m.digest.map(digestToProto), complete: m.complete } };
    case "state-syn-ack":
      return {
        stateSynAck: {
          digest: m.digest.map(digestToProto),
          complete: m.complete,
          delta: m.delta.map(deltaToProto),
        },
      };
    case "state-ack":
      return { stateAck: { delta: m.delta.map(deltaToProto) } };
    case "state-delta":
      return { stateDelta: { delta: m.delta.map(deltaToProto) } };
    case "push-pull":
      return {
        pushPull: {
          join: m.join,
          reply: m.reply,
          source: m.source,
          members: m.members.map(memberToProto),
          delta: m.delta.map(deltaToProto),
        },
      };
    case "user":
      return {
        user: {
          from: m.from,
          name: m.name,
          payload: m.payload,
          coalesce: m.coalesce,
          ltime: m.ltime,
        },
      };
    case "shared-digest":
      return { sharedDigest: { hash: m.hash, count: m.count } };
    case "shared-delta":
      return {
        sharedDelta: {
          entries: m.entries.map((e) => ({ ...e })),
          hash: m.hash,
          count: m.count,
          answer: m.answer,
        },
      };
    case "query":
      return {
        query: {
          id: m.id,
          origin: m.origin,
          generation: m.generation,
          originAddresses: [...m.originAddresses],
          name: m.name,
          payload: m.payload,
          filterNames: [...m.filterNames],
          filterTags: m.filterTags.map((f) => ({ tag: f.tag, pattern: f.pattern })),
          timeoutMs: m.timeoutMs,
          requestAck: m.requestAck,
          relayFactor: m.relayFactor,
        },
      };
    case "query-response":
      return {
        queryResponse: {
          id: m.id,
          origin: m.origin,
          generation: m.generation,
          from: m.from,
          ack: m.ack,
          payload: m.payload,
          relayTo: [...m.relayTo],
        },
      };
    case "prune":
      return { prune: { name: m.name, incarnation: u64(m.incarnation), from: m.from } };
  }
}

/** What the reference helpers use of a protobufjs `Envelope`, reflected or static. */
export interface EnvelopeType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: object): object;
}

/** Encodes with protobufjs. */
export function referenceEncode(
  messages: readonly Message[],
  label = "",
  envelope: EnvelopeType = ProtoEnvelope,
): Uint8Array {
  const encoded = envelope
    .encode({
      version: 1,
      label,
      messages: messages.map(messageToProto),
    })
    .finish();
  return new Uint8Array(encoded);
}

const num = (v: unknown): number => Number(v as bigint);
const big = (v: unknown): bigint => v as bigint;
const str = (v: unknown): string => v as string;
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Uint8Array);
const list = (v: unknown): Obj[] => v as Obj[];

function digestFromProto(o: Obj): DigestEntry {
  return { owner: str(o.owner), generation: num(o.generation), maxVersion: num(o.maxVersion) };
}

function entryFromProto(o: Obj): DeltaEntry {
  return {
    key: str(o.key),
    value: bytes(o.value),
    version: num(o.version),
    tombstone: o.tombstone as boolean,
  };
}

function deltaFromProto(o: Obj): OwnerDelta {
  return {
    owner: str(o.owner),
    generation: num(o.generation),
    fromVersion: num(o.fromVersion),
    reset: o.reset as boolean,
    heartbeat: num(o.heartbeat),
    maxVersion: num(o.maxVersion),
    entries: list(o.entries).map(entryFromProto),
  };
}

function memberFromProto(o: Obj): PushPullMember {
  return {
    name: str(o.name),
    incarnation: big(o.incarnation),
    generation: num(o.generation),
    status: STATUS_NAME[str(o.status)]!,
    addresses: o.addresses as string[],
    meta: bytes(o.meta),
  };
}

function messageFromProto(o: Obj): Message | undefined {
  const kind = o.kind as string | undefined;
  if (kind === undefined) return undefined;
  const b = o[kind] as Obj;
  switch (kind) {
    case "ping":
      return {
        type: "ping",
        seq: num(b.seq),
        target: str(b.target),
        source: str(b.source),
        sourceAddresses: b.sourceAddresses as string[],
      };
    case "pingReq":
      return {
        type: "ping-req",
        seq: num(b.seq),
        target: str(b.target),
        targetAddresses: b.targetAddresses as string[],
        source: str(b.source),
        sourceAddresses: b.sourceAddresses as string[],
        wantNack: b.wantNack as boolean,
      };
    case "ack":
      return { type: "ack", seq: num(b.seq), source: str(b.source), payload: bytes(b.payload) };
    case "nack":
      return { type: "nack", seq: num(b.seq), source: str(b.source) };
    case "alive":
      return {
        type: "alive",
        name: str(b.name),
        incarnation: big(b.incarnation),
        generation: num(b.generation),
        addresses: b.addresses as string[],
        meta: bytes(b.meta),
      };
    case "suspect":
    case "dead":
    case "prune":
      return {
        type: kind,
        name: str(b.name),
        incarnation: big(b.incarnation),
        from: str(b.from),
      };
    case "stateSyn":
      return {
        type: "state-syn",
        digest: list(b.digest).map(digestFromProto),
        complete: b.complete as boolean,
      };
    case "stateSynAck":
      return {
        type: "state-syn-ack",
        digest: list(b.digest).map(digestFromProto),
        complete: b.complete as boolean,
        delta: list(b.delta).map(deltaFromProto),
      };
    case "stateAck":
      return { type: "state-ack", delta: list(b.delta).map(deltaFromProto) };
    case "stateDelta":
      return { type: "state-delta", delta: list(b.delta).map(deltaFromProto) };
    case "pushPull":
      return {
        type: "push-pull",
        join: b.join as boolean,
        reply: b.reply as boolean,
        source: str(b.source),
        members: list(b.members).map(memberFromProto),
        delta: list(b.delta).map(deltaFromProto),
      };
    case "user":
      return {
        type: "user",
        from: str(b.from),
        name: str(b.name),
        payload: bytes(b.payload),
        coalesce: b.coalesce === true,
        ltime: num(b.ltime),
      };
    case "sharedDigest":
      return { type: "shared-digest", hash: num(b.hash), count: num(b.count) };
    case "sharedDelta":
      return {
        type: "shared-delta",
        entries: list(b.entries).map((e) => ({
          key: str(e.key),
          value: bytes(e.value),
          wall: num(e.wall),
          logical: num(e.logical),
          writer: str(e.writer),
          tombstone: e.tombstone as boolean,
        })),
        hash: num(b.hash),
        count: num(b.count),
        answer: b.answer as boolean,
      };
    case "query":
      return {
        type: "query",
        id: num(b.id),
        origin: str(b.origin),
        generation: num(b.generation),
        originAddresses: b.originAddresses as string[],
        name: str(b.name),
        payload: bytes(b.payload),
        filterNames: b.filterNames as string[],
        filterTags: list(b.filterTags).map((f) => ({ tag: str(f.tag), pattern: str(f.pattern) })),
        timeoutMs: b.timeoutMs as number,
        requestAck: b.requestAck as boolean,
        relayFactor: b.relayFactor as number,
      };
    case "queryResponse":
      return {
        type: "query-response",
        id: num(b.id),
        origin: str(b.origin),
        generation: num(b.generation),
        from: str(b.from),
        ack: b.ack as boolean,
        payload: bytes(b.payload),
        relayTo: b.relayTo as string[],
      };
    default:
      return undefined;
  }
}

/** Decodes with protobufjs. */
export function referenceDecode(
  bytes: Uint8Array,
  envelope: EnvelopeType = ProtoEnvelope,
): Envelope {
  const decoded = envelope.decode(bytes);
  const o = envelope.toObject(decoded, {
    longs: BigInt,
    enums: String,
    defaults: true,
    arrays: true,
    oneofs: true,
  }) as Obj;
  const messages: Message[] = [];
  for (const m of list(o.messages)) {
    const msg = messageFromProto(m);
    if (msg !== undefined) messages.push(msg);
  }
  return { version: num(o.version), label: str(o.label), messages };
}
