import { createSocket, type Socket as DgramSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { type CodecErrorReason, decode, encodePacket, type Message } from "@grapevine/codec";
import { bindUdp, type UdpTransport } from "@grapevine/transport-udp";
// The codec keeps its list of reasons to itself (not public API): read from its source.
import { CODEC_ERROR_REASONS } from "../../codec/src/codec-error.js";
import { Cluster, type DropReason } from "../src/index.js";

/** The drop reasons the codec gives (the ones a malformed datagram can be counted under). */
export const CODEC_REASONS: readonly CodecErrorReason[] = CODEC_ERROR_REASONS;

/** Polls `predicate` every 20 ms until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (predicate()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves with `promise`, or rejects after `ms` naming `what`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A small seeded generator (mulberry32): the same seed throws the same junk. */
export function seeded(seed: number): { next(): number; int(n: number): number } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/** A copy of the per-reason drop counters. */
export function dropsOf(c: Cluster): Record<DropReason, number> {
  return { ...c.counters.drops };
}

/** Per-reason growth of the drop counters since `before`, listing reasons that grew only. */
export function dropDelta(
  c: Cluster,
  before: Record<DropReason, number>,
): Partial<Record<DropReason, number>> {
  const out: Partial<Record<DropReason, number>> = {};
  for (const [reason, n] of Object.entries(c.counters.drops) as [DropReason, number][]) {
    const d = n - before[reason];
    if (d !== 0) out[reason] = d;
  }
  return out;
}

/**
 * The drops the receiving cluster should count for `packets`: what `decode` itself says of each
 * one under the receiver's limits (packets that decode are not drops).
 */
export function expectedDrops(
  packets: readonly Uint8Array[],
  limits: { maxPacketBytes: number; label: string },
): Partial<Record<DropReason, number>> {
  const out: Partial<Record<DropReason, number>> = {};
  for (const p of packets) {
    const r = decode(p, limits);
    if (!r.ok) out[r.error.reason] = (out[r.error.reason] ?? 0) + 1;
  }
  return out;
}

/** Sum of a partial per-reason tally. */
export function total(tally: Partial<Record<DropReason, number>>): number {
  return Object.values(tally).reduce((a, b) => a + (b ?? 0), 0);
}

/** A member of the test cluster with its bound UDP transport. */
export interface LiveMember {
  readonly cluster: Cluster;
  readonly transport: UdpTransport;
  /** The port UDP and TCP share. */
  readonly port: number;
}

/** The label every member of the test cluster runs with. */
export const LABEL = "hostile-test";
/** Handshake deadline of the members' UDP transports, ms (short, so stalled connections go fast). */
export const CONNECT_TIMEOUT_MS = 1000;
/** Deadline of one stream exchange, ms. */
export const STREAM_TIMEOUT_MS = 1500;
/**
 * Push-pull period, ms: shorter than the local preset's 15 s, so that a member cut off by a forged
 * claim (which only push-pull may reveal to it) finds out within seconds.
 */
export const PUSH_PULL_INTERVAL_MS = 4000;

/** Starts `names.length` members on 127.0.0.1 and joins them through the first. */
export async function startLiveCluster(names: readonly string[]): Promise<LiveMember[]> {
  const members: LiveMember[] = [];
  for (const name of names) {
    const transport = await bindUdp({
      bind: "udp://127.0.0.1:0",
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    const cluster = await Cluster.start({
      name,
      transports: [transport],
      preset: "local",
      label: LABEL,
      streamTimeoutMs: STREAM_TIMEOUT_MS,
      swim: { pushPullIntervalMs: PUSH_PULL_INTERVAL_MS },
    });
    members.push({ cluster, transport, port: Number(new URL(transport.address).port) });
  }
  const seed = members[0]!.cluster.addresses[0]!;
  for (const m of members.slice(1)) await m.cluster.join([seed]);
  return members;
}

/** True when every one of `viewers` sees each of `names` alive. */
export function allAlive(viewers: readonly Cluster[], names: readonly string[]): boolean {
  return viewers.every((v) => names.every((n) => v.member(n)?.status === "alive"));
}

/** A raw UDP socket on 127.0.0.1 that sends whatever it is given and decodes what comes back. */
export class RawUdp {
  readonly received: (readonly Message[])[] = [];
  private constructor(
    private readonly socket: DgramSocket,
    readonly port: number,
  ) {
    socket.on("message", (data: Buffer) => {
      const r = decode(data);
      if (r.ok) this.received.push(r.envelope.messages);
    });
  }

  /** Binds a fresh socket to an ephemeral loopback port. */
  static async open(): Promise<RawUdp> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return new RawUdp(socket, socket.address().port);
  }

  /** This socket's address as a cluster would write it. */
  get address(): string {
    return `udp://127.0.0.1:${this.port}`;
  }

  /** Sends one datagram to `port` on 127.0.0.1; resolves once the kernel has it. */
  send(port: number, data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data, port, "127.0.0.1", (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Sends `packets` to `port` in batches of `batch`, and after each batch waits until `caughtUp`
   * (the receiver has counted what was sent so far): a flood paced so that the kernel's receive
   * buffer never overflows and every datagram is accounted for.
   */
  async flood(
    port: number,
    packets: readonly Uint8Array[],
    batch: number,
    caughtUp: (sent: number) => boolean,
  ): Promise<void> {
    for (let i = 0; i < packets.length; i += batch) {
      const slice = packets.slice(i, i + batch);
      await Promise.all(slice.map((p) => this.send(port, p)));
      const sent = i + slice.length;
      await waitFor(() => caughtUp(sent), 5000, `receiver to count ${sent} datagrams`);
    }
  }

  /** True once an ack for `seq` from `source` has come back. */
  acked(seq: number, source: string): boolean {
    return this.received.some((ms) =>
      ms.some((m) => m.type === "ack" && m.seq === seq && m.source === source),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The 4-byte big-endian length prefix of the UDP transport's stream channel, then `payload`. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/** A raw length prefix announcing `length` bytes (and sending none of them). */
export function lengthPrefix(length: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(length, 0);
  return out;
}

/** The dialer's hello of the stream handshake: "GV", version 1, type 1 (hello), its address. */
export function hello(address: string): Buffer {
  return frame(Buffer.concat([Buffer.from([0x47, 0x56, 1, 1]), Buffer.from(address, "utf8")]));
}

/** The acceptor's "accept" reply, as framed on the wire. */
export const ACCEPT_REPLY = frame(Buffer.from([0x47, 0x56, 1, 2]));

/** A raw TCP connection to a member's stream port that records what it gets back. */
export class RawTcp {
  private data = Buffer.alloc(0);
  /** True once the connection is gone (closed or reset by either side). */
  closed = false;
  /** True when the peer ended or reset it (not we). */
  closedByPeer = false;
  private destroyedByUs = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
    });
    socket.on("error", () => {});
    socket.on("end", () => {
      if (!this.destroyedByUs) this.closedByPeer = true;
    });
    socket.on("close", () => {
      if (!this.destroyedByUs) this.closedByPeer = true;
      this.closed = true;
    });
  }

  /** Connects to `port` on 127.0.0.1. */
  static async open(port: number): Promise<RawTcp> {
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once("connect", () => {
          socket.off("error", reject);
          resolve();
        });
        socket.once("error", reject);
      }),
      5000,
      `TCP connect to ${port}`,
    );
    return new RawTcp(socket);
  }

  /** Connects and completes the stream handshake, announcing `address` as ours. */
  static async handshake(port: number, address: string): Promise<RawTcp> {
    const raw = await RawTcp.open(port);
    raw.write(hello(address));
    await waitFor(() => raw.received.length >= ACCEPT_REPLY.length || raw.closed, 5000, "reply");
    if (!raw.received.subarray(0, ACCEPT_REPLY.length).equals(ACCEPT_REPLY)) {
      throw new Error("stream handshake was not accepted");
    }
    raw.data = raw.data.subarray(ACCEPT_REPLY.length);
    return raw;
  }

  /** Every byte received so far (after the handshake reply, when {@link handshake} was used). */
  get received(): Buffer {
    return this.data;
  }

  /** Whole frames received so far. */
  frames(): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    while (this.data.length - at >= 4) {
      const n = this.data.readUInt32BE(at);
      if (n === 0xffff_ffff || this.data.length - at - 4 < n) break;
      out.push(this.data.subarray(at + 4, at + 4 + n));
      at += 4 + n;
    }
    return out;
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Hangs up at once. */
  destroy(): void {
    this.destroyedByUs = true;
    this.socket.destroy();
  }
}

/** An encoded packet with the test cluster's label. */
export function packet(messages: readonly Message[], label = LABEL): Uint8Array {
  // A copy: encodePacket returns views into a pooled buffer that the next call reuses.
  return Uint8Array.from(encodePacket(messages, { label }));
}

/** Heap in use now, bytes, after a collection when the process allows one. */
export function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

export { bindUdp };
