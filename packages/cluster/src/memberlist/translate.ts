import { encodePacket, type Message, type PushPullMember } from "@grapevine/codec";
import type { MemberlistMessage, PushNodeState, StreamMessage } from "@grapevine/memberlist-compat";
import { fromIpPort, toIpPort } from "./addresses.js";

/**
 * The protocol and delegate versions this node advertises in `alive` and push-pull entries
 * (`[pmin, pmax, pcur, dmin, dmax, dcur]`): protocol 1–5, speaking 2, as memberlist's defaults.
 */
export const MEMBERLIST_VSN: readonly number[] = Object.freeze([1, 5, 2, 0, 0, 0]);

/**
 * The name a memberlist user message takes as a Grapevine user event. memberlist's user messages
 * are opaque bytes with no name and no sender: they surface with this name and an empty `from`,
 * and a Grapevine user event goes out as its payload alone.
 */
export const MEMBERLIST_EVENT_NAME = "memberlist";

const EMPTY = new Uint8Array(0);
const UINT32 = 0xffff_ffffn;

const STATES = ["alive", "suspect", "dead", "left"] as const;

/** memberlist's sequence numbers are uint32. */
function seq32(seq: number): number {
  return seq % 0x1_0000_0000;
}

function incarnation32(incarnation: bigint): number {
  return Number(incarnation > UINT32 ? UINT32 : incarnation);
}

function firstIpPort(addresses: readonly string[]) {
  for (const a of addresses) {
    const ip = toIpPort(a);
    if (ip !== undefined) return ip;
  }
  return undefined;
}

function addressList(addr: Uint8Array, port: number): string[] {
  const url = fromIpPort(addr, port);
  return url === undefined ? [] : [url];
}

/**
 * One Grapevine message as memberlist messages (datagram path). Membership and probe messages
 * translate one to one; user events become user messages (payload only). Everything else
 * (state anti-entropy, queries, the shared keyspace, prunes) has no memberlist counterpart and
 * yields `undefined`: the mode is membership-only (see README).
 */
export function toMemberlist(message: Message): MemberlistMessage | undefined {
  switch (message.type) {
    case "ping": {
      const source = firstIpPort(message.sourceAddresses);
      return {
        type: "ping",
        seqNo: seq32(message.seq),
        node: message.target,
        ...(source ? { sourceAddr: source.addr, sourcePort: source.port } : {}),
        ...(message.source ? { sourceNode: message.source } : {}),
      };
    }
    case "ping-req": {
      const target = firstIpPort(message.targetAddresses);
      if (target === undefined) return undefined;
      const source = firstIpPort(message.sourceAddresses);
      return {
        type: "indirect-ping",
        seqNo: seq32(message.seq),
        target: target.addr,
        port: target.port,
        node: message.target,
        nack: message.wantNack,
        ...(source ? { sourceAddr: source.addr, sourcePort: source.port } : {}),
        ...(message.source ? { sourceNode: message.source } : {}),
      };
    }
    case "ack":
      return { type: "ack", seqNo: seq32(message.seq), payload: message.payload };
    case "nack":
      return { type: "nack", seqNo: seq32(message.seq) };
    case "alive": {
      const at = firstIpPort(message.addresses);
      if (at === undefined) return undefined;
      return {
        type: "alive",
        incarnation: incarnation32(message.incarnation),
        node: message.name,
        addr: at.addr,
        port: at.port,
        meta: message.meta,
        vsn: MEMBERLIST_VSN,
      };
    }
    case "suspect":
    case "dead":
      return {
        type: message.type,
        incarnation: incarnation32(message.incarnation),
        node: message.name,
        from: message.from,
      };
    case "user":
      return { type: "user", payload: message.payload };
    default:
      return undefined;
  }
}

/**
 * One memberlist message as a Grapevine message (datagram path); `undefined` for `error`, which
 * only answers streams. Generations are 0 on this wire: memberlist has none.
 */
export function fromMemberlist(message: MemberlistMessage): Message | undefined {
  switch (message.type) {
    case "ping":
      return {
        type: "ping",
        seq: message.seqNo,
        target: message.node,
        source: message.sourceNode ?? "",
        sourceAddresses:
          message.sourceAddr && message.sourcePort
            ? addressList(message.sourceAddr, message.sourcePort)
            : [],
      };
    case "indirect-ping": {
      const target = addressList(message.target, message.port);
      if (target.length === 0) return undefined;
      return {
        type: "ping-req",
        seq: message.seqNo,
        target: message.node,
        targetAddresses: target,
        source: message.sourceNode ?? "",
        sourceAddresses:
          message.sourceAddr && message.sourcePort
            ? addressList(message.sourceAddr, message.sourcePort)
            : [],
        wantNack: message.nack,
      };
    }
    case "ack":
      return { type: "ack", seq: message.seqNo, source: "", payload: message.payload };
    case "nack":
      return { type: "nack", seq: message.seqNo, source: "" };
    case "alive": {
      const addresses = addressList(message.addr, message.port);
      if (addresses.length === 0 || message.node === "") return undefined;
      return {
        type: "alive",
        name: message.node,
        incarnation: BigInt(message.incarnation),
        generation: 0,
        addresses,
        meta: message.meta,
      };
    }
    case "suspect":
    case "dead":
      if (message.node === "") return undefined;
      return {
        type: message.type,
        name: message.node,
        incarnation: BigInt(message.incarnation),
        from: message.from,
      };
    case "user":
      return userEvent(message.payload);
    default:
      return undefined;
  }
}

/** A Grapevine push-pull entry as memberlist's; `undefined` without a UDP address. */
export function toPushNodeState(member: PushPullMember): PushNodeState | undefined {
  const at = firstIpPort(member.addresses);
  if (at === undefined) return undefined;
  return {
    name: member.name,
    addr: at.addr,
    port: at.port,
    meta: member.meta,
    incarnation: incarnation32(member.incarnation),
    state: STATES.indexOf(member.status),
    vsn: MEMBERLIST_VSN,
  };
}

/** A memberlist push-pull entry as Grapevine's; `undefined` for an unknown state or address. */
export function fromPushNodeState(node: PushNodeState): PushPullMember | undefined {
  const status = STATES[node.state];
  const addresses = addressList(node.addr, node.port);
  if (status === undefined || addresses.length === 0 || node.name === "") return undefined;
  return {
    name: node.name,
    incarnation: BigInt(node.incarnation),
    generation: 0,
    status,
    addresses,
    meta: node.meta,
  };
}

/**
 * The stream request or reply a Grapevine frame's messages make on memberlist's TCP stream: a
 * push-pull (members only: Grapevine's state deltas are not sent) or a fallback ping or ack.
 */
export function toStreamMessage(messages: readonly Message[]): StreamMessage | undefined {
  for (const m of messages) {
    if (m.type === "push-pull") {
      const nodes: PushNodeState[] = [];
      for (const member of m.members) {
        const node = toPushNodeState(member);
        if (node !== undefined) nodes.push(node);
      }
      return { type: "push-pull", join: m.join, nodes, userState: EMPTY };
    }
    if (m.type === "ping" || m.type === "ack") {
      return toMemberlist(m) as StreamMessage;
    }
  }
  return undefined;
}

/**
 * A memberlist stream message as the Grapevine messages of one frame. `reply` says whether it
 * answers our request (a push-pull answer) or opens an exchange. A user message is returned as
 * a `user` message, which the transport delivers as a datagram.
 */
export function fromStreamMessage(message: StreamMessage, reply: boolean): Message | undefined {
  switch (message.type) {
    case "push-pull": {
      const members: PushPullMember[] = [];
      for (const node of message.nodes) {
        const member = fromPushNodeState(node);
        if (member !== undefined) members.push(member);
      }
      return { type: "push-pull", join: message.join, reply, source: "", members, delta: [] };
    }
    case "ping":
    case "ack":
      return fromMemberlist(message);
    case "user":
      return userEvent(message.payload);
    default:
      return undefined;
  }
}

/**
 * One translated message as a Grapevine envelope for the core; `undefined` when the codec refuses
 * it (a name or meta over Grapevine's limits): such input is dropped and counted, never thrown.
 */
export function envelopeOf(message: Message): Uint8Array | undefined {
  try {
    return encodePacket([message]);
  } catch {
    return undefined;
  }
}

/** A memberlist user message as a user event: bytes only (no sender, name or event time travel). */
function userEvent(payload: Uint8Array): Message {
  return {
    type: "user",
    from: "",
    name: MEMBERLIST_EVENT_NAME,
    payload,
    coalesce: false,
    ltime: 0,
  };
}
