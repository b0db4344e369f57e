/**
 * memberlist's message type bytes (`net.go`, `messageType`), in its order. The first byte of
 * every packet, compound part and stream says which of these follows.
 */
export const MessageType = {
  ping: 0,
  indirectPing: 1,
  ack: 2,
  suspect: 3,
  alive: 4,
  dead: 5,
  pushPull: 6,
  compound: 7,
  user: 8,
  compress: 9,
  encrypt: 10,
  nack: 11,
  hasCrc: 12,
  error: 13,
  /** `hasLabelMsg`: deliberately high, so a label header cannot be mistaken for a message. */
  hasLabel: 244,
} as const;

/** One of {@link MessageType}'s values. */
export type MessageTypeByte = (typeof MessageType)[keyof typeof MessageType];

/**
 * Protocol versions this package speaks (`ProtocolVersionMin`..`ProtocolVersionMax` as far as
 * memberlist 0.2–0.5 use them): 2 added ports in alive and indirect ping, 3 the TCP fallback
 * ping, 4 nacks in indirect probes, 5 the CRC on UDP packets.
 */
export const PROTOCOL_VERSION = { min: 1, max: 5, current: 2 } as const;

/** The delegate protocol version range a node advertises when it has no delegate protocol. */
export const DELEGATE_VERSION = { min: 0, max: 0, current: 0 } as const;

/** memberlist's only compression algorithm (`lzwAlgo`). */
export const LZW_ALGORITHM = 0;

/**
 * memberlist's node states as they travel in push-pull (`NodeStateType`): `left` exists from
 * memberlist 0.2 on; older nodes send `dead` for a graceful leave.
 */
export const NodeState = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;

/** One of {@link NodeState}'s values. */
export type NodeStateByte = (typeof NodeState)[keyof typeof NodeState];

/** A message as memberlist frames it: its type byte, then `parts` one after another. */
export function typed(typeByte: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let size = 1;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  out[0] = typeByte;
  let at = 1;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
