import { MemberlistError } from "./errors.js";
import type { MemberlistLimits } from "./limits.js";
import { MessageType, typed } from "./message-types.js";
import {
  decodeMsgpack,
  decodeUtf8,
  encodeUtf8,
  GoMsgpackWriter,
  msgpackValueEnd,
} from "./msgpack.js";

/** `ping` (net.go): a direct probe; `node` lets the target check it is the intended one. */
export interface PingMessage {
  readonly type: "ping";
  /** Sequence number the ack echoes (uint32). */
  readonly seqNo: number;
  /** The name of the node meant to answer ("" for any). */
  readonly node: string;
  /** Where to answer, when not the packet's source (protocol ≥ 2 peers send it). */
  readonly sourceAddr?: Uint8Array | undefined;
  readonly sourcePort?: number | undefined;
  readonly sourceNode?: string | undefined;
}

/** `indirectPingReq`: ask the receiver to ping `target:port` for us (SWIM §3.1, ping-req). */
export interface IndirectPingMessage {
  readonly type: "indirect-ping";
  readonly seqNo: number;
  /** The target's IP address, 4 or 16 bytes. */
  readonly target: Uint8Array;
  readonly port: number;
  readonly node: string;
  /** Whether the requester wants a nack if the target stays silent (protocol ≥ 4). */
  readonly nack: boolean;
  readonly sourceAddr?: Uint8Array | undefined;
  readonly sourcePort?: number | undefined;
  readonly sourceNode?: string | undefined;
}

/** `ackResp`: the answer to a ping; `payload` is the ping delegate's (empty when none). */
export interface AckMessage {
  readonly type: "ack";
  readonly seqNo: number;
  readonly payload: Uint8Array;
}

/** `nackResp`: an indirect prober reports that the target did not answer (Lifeguard §4.3). */
export interface NackMessage {
  readonly type: "nack";
  readonly seqNo: number;
}

/** `suspect`: `from` suspects `node` at `incarnation`. */
export interface SuspectMessage {
  readonly type: "suspect";
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

/** `alive`: `node` is alive at `incarnation`, reachable at `addr:port`, with its meta. */
export interface AliveMessage {
  readonly type: "alive";
  readonly incarnation: number;
  readonly node: string;
  /** IP address, 4 or 16 bytes. */
  readonly addr: Uint8Array;
  readonly port: number;
  /** Opaque node metadata, at most 512 bytes. */
  readonly meta: Uint8Array;
  /** pmin, pmax, pcur, dmin, dmax, dcur: protocol and delegate versions spoken. */
  readonly vsn: readonly number[];
}

/** `dead`: `from` declares `node` dead; `from === node` is a graceful leave. */
export interface DeadMessage {
  readonly type: "dead";
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

/** A user message: opaque bytes for the delegate (`NotifyMsg`), not msgpack-wrapped in packets. */
export interface UserMessage {
  readonly type: "user";
  readonly payload: Uint8Array;
}

/** `errResp`: a stream peer reports why it refused what we sent. */
export interface ErrorMessage {
  readonly type: "error";
  readonly error: string;
}

/** A message that can travel in a UDP packet (or a compound part). */
export type MemberlistMessage =
  | PingMessage
  | IndirectPingMessage
  | AckMessage
  | NackMessage
  | SuspectMessage
  | AliveMessage
  | DeadMessage
  | UserMessage
  | ErrorMessage;

/** One member as a push-pull carries it (`pushNodeState`). */
export interface PushNodeState {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array;
  readonly incarnation: number;
  /** {@link NodeState}: 0 alive, 1 suspect, 2 dead, 3 left. */
  readonly state: number;
  readonly vsn: readonly number[];
}

type FieldKind = "uint32" | "uint16" | "uint8" | "int" | "bool" | "string" | "bytes";
/** [Go field name, JS name, kind, omitempty]. */
type Field = readonly [string, string, FieldKind, boolean?];

const PING: readonly Field[] = [
  ["SeqNo", "seqNo", "uint32"],
  ["Node", "node", "string"],
  ["SourceAddr", "sourceAddr", "bytes", true],
  ["SourcePort", "sourcePort", "uint16", true],
  ["SourceNode", "sourceNode", "string", true],
];
const INDIRECT_PING: readonly Field[] = [
  ["SeqNo", "seqNo", "uint32"],
  ["Target", "target", "bytes"],
  ["Port", "port", "uint16"],
  ["Node", "node", "string"],
  ["Nack", "nack", "bool"],
  ["SourceAddr", "sourceAddr", "bytes", true],
  ["SourcePort", "sourcePort", "uint16", true],
  ["SourceNode", "sourceNode", "string", true],
];
const ACK: readonly Field[] = [
  ["SeqNo", "seqNo", "uint32"],
  ["Payload", "payload", "bytes"],
];
const NACK: readonly Field[] = [["SeqNo", "seqNo", "uint32"]];
const SUSPECT_OR_DEAD: readonly Field[] = [
  ["Incarnation", "incarnation", "uint32"],
  ["Node", "node", "string"],
  ["From", "from", "string"],
];
const ALIVE: readonly Field[] = [
  ["Incarnation", "incarnation", "uint32"],
  ["Node", "node", "string"],
  ["Addr", "addr", "bytes"],
  ["Port", "port", "uint16"],
  ["Meta", "meta", "bytes"],
  ["Vsn", "vsn", "bytes"],
];
const ERROR: readonly Field[] = [["Error", "error", "string"]];
const PUSH_NODE_STATE: readonly Field[] = [
  ["Name", "name", "string"],
  ["Addr", "addr", "bytes"],
  ["Port", "port", "uint16"],
  ["Meta", "meta", "bytes"],
  ["Incarnation", "incarnation", "uint32"],
  ["State", "state", "int"],
  ["Vsn", "vsn", "bytes"],
];
/** `pushPullHeader`. */
export const PUSH_PULL_HEADER: readonly Field[] = [
  ["Nodes", "nodes", "int"],
  ["UserStateLen", "userStateLen", "int"],
  ["Join", "join", "bool"],
];
/** `userMsgHeader` (user messages over a stream). */
export const USER_MSG_HEADER: readonly Field[] = [["UserMsgLen", "userMsgLen", "int"]];
/** `compress`. */
export const COMPRESS: readonly Field[] = [
  ["Algo", "algo", "uint8"],
  ["Buf", "buf", "bytes"],
];

const SCHEMAS = {
  ping: [MessageType.ping, PING],
  "indirect-ping": [MessageType.indirectPing, INDIRECT_PING],
  ack: [MessageType.ack, ACK],
  nack: [MessageType.nack, NACK],
  suspect: [MessageType.suspect, SUSPECT_OR_DEAD],
  alive: [MessageType.alive, ALIVE],
  dead: [MessageType.dead, SUSPECT_OR_DEAD],
  error: [MessageType.error, ERROR],
} as const satisfies Record<string, readonly [number, readonly Field[]]>;

const MAX: Record<FieldKind, number> = {
  uint32: 0xffffffff,
  uint16: 0xffff,
  uint8: 0xff,
  int: Number.MAX_SAFE_INTEGER,
  bool: 0,
  string: 0,
  bytes: 0,
};

function isEmpty(kind: FieldKind, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (kind === "bytes") return (value as Uint8Array).length === 0;
  if (kind === "string") return value === "";
  if (kind === "bool") return value === false;
  return value === 0;
}

/**
 * Writes `value` as a Go struct with `fields`: a map keyed by Go field names, in the byte order
 * of those names (go-msgpack sorts a struct's fields by name, not by declaration).
 */
export function writeStruct(w: GoMsgpackWriter, fields: readonly Field[], value: object): void {
  const record = value as Record<string, unknown>;
  const present = fields
    .filter(([, js, kind, omitEmpty]) => !(omitEmpty && isEmpty(kind, record[js])))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  w.map(present.length);
  for (const [go, js, kind] of present) {
    w.str(go);
    const v = record[js];
    switch (kind) {
      case "bool":
        w.bool(v === true);
        break;
      case "string":
        w.str(typeof v === "string" ? v : "");
        break;
      case "bytes": {
        // Go writes a nil slice as nil; an empty one this package treats as nil too.
        const bytes =
          v instanceof Uint8Array
            ? v
            : Array.isArray(v)
              ? Uint8Array.from(v as number[])
              : undefined;
        if (bytes === undefined || bytes.length === 0) w.nil();
        else w.raw(bytes);
        break;
      }
      default: {
        const n = typeof v === "number" ? v : 0;
        if (!Number.isInteger(n) || n < 0 || n > MAX[kind]) {
          throw new MemberlistError("malformed", `${go}: ${n} does not fit a ${kind}`);
        }
        w.uint(n);
      }
    }
  }
}

/**
 * Reads a Go struct from a decoded msgpack map: absent fields take Go's zero values, unknown
 * keys are ignored (as Go's decoder does), a value of the wrong type is `malformed`.
 */
export function readStruct(
  fields: readonly Field[],
  decoded: unknown,
  what: string,
): Record<string, unknown> {
  if (decoded === null) decoded = new Map();
  if (typeof decoded !== "object" || decoded instanceof Uint8Array || Array.isArray(decoded)) {
    throw new MemberlistError("malformed", `${what}: not a map`);
  }
  const entries = decoded instanceof Map ? decoded : new Map(Object.entries(decoded as object));
  const out: Record<string, unknown> = {};
  for (const [go, js, kind, omitEmpty] of fields) {
    const v = entries.get(go);
    switch (kind) {
      case "bool":
        if (v !== undefined && v !== null && typeof v !== "boolean") {
          throw new MemberlistError("malformed", `${what}.${go}: not a bool`);
        }
        out[js] = v === true;
        break;
      case "string":
        if (v === undefined || v === null) out[js] = omitEmpty ? undefined : "";
        else if (v instanceof Uint8Array) out[js] = decodeUtf8(v);
        else throw new MemberlistError("malformed", `${what}.${go}: not a string`);
        if (omitEmpty && out[js] === "") out[js] = undefined;
        break;
      case "bytes":
        if (v === undefined || v === null) out[js] = omitEmpty ? undefined : new Uint8Array(0);
        else if (v instanceof Uint8Array) out[js] = v.slice();
        else if (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
          out[js] = Uint8Array.from(v as number[]);
        } else throw new MemberlistError("malformed", `${what}.${go}: not bytes`);
        break;
      default: {
        if (v === undefined || v === null) {
          out[js] = omitEmpty ? undefined : 0;
          break;
        }
        if (typeof v !== "number" || !Number.isInteger(v) || Math.abs(v) > MAX[kind]) {
          throw new MemberlistError(
            "malformed",
            `${what}.${go}: not an integer that fits a ${kind}`,
          );
        }
        // Go's decoder truncates a negative number into an unsigned field; refusing is safer.
        if (v < 0) throw new MemberlistError("malformed", `${what}.${go}: negative`);
        out[js] = v;
        if (omitEmpty && v === 0) out[js] = undefined;
      }
    }
  }
  return out;
}

/** Decodes the first msgpack value of `bytes` (trailing bytes are ignored, as Go does). */
export function decodeFirstValue(bytes: Uint8Array): unknown {
  const end = msgpackValueEnd(bytes, 0);
  if (end < 0) throw new MemberlistError("truncated", "msgpack value runs past the end");
  return decodeMsgpack(bytes.subarray(0, end));
}

/**
 * Encodes one message as memberlist sends it: its type byte, then its msgpack body (a user
 * message's payload goes raw). Throws {@link MemberlistError} `malformed` for values that do not
 * fit their Go types.
 */
export function encodeMessage(message: MemberlistMessage): Uint8Array {
  if (message.type === "user") {
    return typed(MessageType.user, message.payload);
  }
  const [typeByte, fields] = SCHEMAS[message.type];
  const w = new GoMsgpackWriter();
  writeStruct(w, fields, message);
  return typed(typeByte, w.finish());
}

const BY_TYPE = new Map<number, keyof typeof SCHEMAS>(
  Object.entries(SCHEMAS).map(([name, [typeByte]]) => [typeByte, name as keyof typeof SCHEMAS]),
);

/**
 * Decodes one message (type byte + body) of a kind that travels in UDP packets. Layers
 * (compound, compress, CRC, encrypt, label) are {@link decodePacket}'s; push-pull is a stream's.
 */
export function decodeMessage(
  bytes: Uint8Array,
  limits: Pick<MemberlistLimits, "maxMetaBytes">,
): MemberlistMessage {
  if (bytes.length === 0) throw new MemberlistError("truncated", "empty message");
  const typeByte = bytes[0] as number;
  const body = bytes.subarray(1);
  if (typeByte === MessageType.user) return { type: "user", payload: body.slice() };
  const name = BY_TYPE.get(typeByte);
  if (name === undefined) throw new MemberlistError("unknown-type", `message type ${typeByte}`);
  const fields = readStruct(SCHEMAS[name][1], decodeFirstValue(body), name);
  const message = { type: name, ...fields } as Record<string, unknown>;
  for (const key of Object.keys(message)) if (message[key] === undefined) delete message[key];
  if (name === "alive") {
    const alive = message as unknown as { meta: Uint8Array; vsn: Uint8Array | number[] };
    if (alive.meta.length > limits.maxMetaBytes) {
      throw new MemberlistError("limit", `alive meta of ${alive.meta.length} bytes`);
    }
    alive.vsn = [...(alive.vsn as Uint8Array)];
  }
  return message as unknown as MemberlistMessage;
}

/** Encodes a push-pull node state (for {@link encodeStream}). */
export function writePushNodeState(w: GoMsgpackWriter, state: PushNodeState): void {
  writeStruct(w, PUSH_NODE_STATE, { ...state, vsn: Uint8Array.from(state.vsn) });
}

/** Decodes a push-pull node state from a decoded msgpack value. */
export function readPushNodeState(
  decoded: unknown,
  limits: Pick<MemberlistLimits, "maxMetaBytes">,
): PushNodeState {
  const s = readStruct(PUSH_NODE_STATE, decoded, "pushNodeState");
  const meta = s.meta as Uint8Array;
  if (meta.length > limits.maxMetaBytes)
    throw new MemberlistError("limit", `meta of ${meta.length} bytes`);
  return {
    name: s.name as string,
    addr: s.addr as Uint8Array,
    port: s.port as number,
    meta,
    incarnation: s.incarnation as number,
    state: s.state as number,
    vsn: [...(s.vsn as Uint8Array)],
  };
}

export { encodeUtf8 };
