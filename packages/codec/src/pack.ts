import {
  envelopeHeaderSize,
  sizeMessage,
  writeEnvelopeHeader,
  writeMessage,
} from "./gen/encode.js";
import type { Message } from "./gen/messages.js";
import { allocPacket } from "./packet-buffer.js";
import { endWrite, resetSizes, sizeMark, startWrite } from "./writer.js";

/** The usual UDP payload budget on a 1,500-byte Ethernet MTU, with room for IP/UDP headers and sealing. */
export const DEFAULT_MTU = 1400;

/** Options for {@link pack}. */
export interface PackOptions {
  /** Largest packet to produce, in bytes. Default {@link DEFAULT_MTU} (1,400). */
  readonly mtu?: number | undefined;
  /** Cluster label written into every envelope; empty or absent writes none. */
  readonly label?: string | undefined;
}

/** What {@link pack} produced. */
export interface PackResult {
  /**
   * Encoded packets, each at most `mtu` bytes; empty when there was nothing to send. Like
   * {@link encodePacket}'s result, each may be a view into a shared pooled `ArrayBuffer`.
   */
  readonly packets: Uint8Array[];
  /** Messages too large to fit a packet even alone, in input order. Never sent, never lost silently. */
  readonly unfit: Message[];
}

/**
 * Packs `messages` into as few compound packets as a greedy first-fit allows: each message, in
 * input order, goes into the first packet that still has room for it, else into a new packet.
 * The first packet therefore carries the earliest (highest-priority) messages, and messages keep
 * their relative order inside every packet. A message larger than `mtu` minus the envelope
 * overhead is reported in `unfit` rather than sent.
 *
 * Each message is sized once and written once, straight into its packet's exactly-sized buffer.
 *
 * @throws {RangeError} when `mtu` is not a positive integer.
 * @throws {CodecError} `malformed` when a message holds a value that cannot be encoded.
 */
export function pack(messages: readonly Message[], options?: PackOptions): PackResult {
  const mtu = options?.mtu ?? DEFAULT_MTU;
  const label = options?.label ?? "";
  if (!Number.isSafeInteger(mtu) || mtu <= 0) {
    throw new RangeError(`pack: mtu must be a positive integer, got ${String(mtu)}`);
  }
  const n = messages.length;
  const packets: Uint8Array[] = [];
  const unfit: Message[] = [];
  if (n === 0) return { packets, unfit };

  const overhead = envelopeHeaderSize(label);
  const room = mtu - overhead;
  resetSizes();
  const sizes = new Array<number>(n);
  const marks = new Array<number>(n);
  let total = 0;
  let fitting = 0;
  for (let i = 0; i < n; i++) {
    marks[i] = sizeMark();
    const size = sizeMessage(messages[i]!);
    sizes[i] = size;
    if (size > room) {
      unfit.push(messages[i]!);
    } else {
      total += size;
      fitting++;
    }
  }
  if (fitting === 0) return { packets, unfit };

  if (total <= room) {
    packets.push(writePacket(messages, sizes, marks, null, overhead + total, label, room));
    return { packets, unfit };
  }

  // First-fit: bins hold message indices; free[b] is the room left in bin b.
  const bins: number[][] = [];
  const free: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = sizes[i]!;
    if (size > room) continue;
    let b = 0;
    while (b < bins.length && free[b]! < size) b++;
    if (b === bins.length) {
      bins.push([i]);
      free.push(room - size);
    } else {
      bins[b]!.push(i);
      free[b] = free[b]! - size;
    }
  }
  for (let b = 0; b < bins.length; b++) {
    packets.push(writePacket(messages, sizes, marks, bins[b]!, mtu - free[b]!, label, room));
  }
  return { packets, unfit };
}

function writePacket(
  messages: readonly Message[],
  sizes: readonly number[],
  marks: readonly number[],
  indices: readonly number[] | null,
  length: number,
  label: string,
  room: number,
): Uint8Array {
  const out = allocPacket(length);
  startWrite(out);
  writeEnvelopeHeader(label);
  if (indices === null) {
    for (let i = 0; i < messages.length; i++) {
      if (sizes[i]! <= room) writeMessage(messages[i]!, marks[i]!);
    }
  } else {
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      writeMessage(messages[i]!, marks[i]!);
    }
  }
  const written = endWrite();
  if (written !== length) throw new Error(`codec: wrote ${written} bytes, sized ${length}`);
  return out;
}
