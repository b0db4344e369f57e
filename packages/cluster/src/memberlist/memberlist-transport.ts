import { createSocket, type Socket as DgramSocket } from "node:dgram";
import { createConnection, createServer, isIP, type Server, type Socket } from "node:net";
import { decode, type Message } from "@grapevine/codec";
import {
  COMPOUND_OVERHEAD,
  type DecodeOptions,
  decodePacket,
  type EncodeOptions,
  encodeMessage,
  encryptOverhead,
  labelOverhead,
  makeCompound,
  sealPacket,
} from "@grapevine/memberlist-compat";
import {
  AsyncQueue,
  assertSendable,
  type Datagram,
  type DialOptions,
  type Stream,
  type Transport,
  TransportError,
  toTransportError,
} from "@grapevine/transport";
import { parseUdpUrl, urlOf } from "./addresses.js";
import { MemberlistStream, readOneMessage, type StreamHost } from "./memberlist-stream.js";
import { envelopeOf, fromMemberlist, fromStreamMessage, toMemberlist } from "./translate.js";
import type { MemberlistWireSecurity, WireTransport } from "./wire.js";

/** memberlist's UDP packet budget (`UDPBufferSize`), bytes: what one datagram of ours holds. */
export const MEMBERLIST_UDP_BYTES = 1400;
/** Largest Grapevine datagram handed to {@link MemberlistTransport.send}, bytes. */
const GRAPEVINE_MTU = 1400;
/** Largest stream frame (a push-pull of the whole member list), bytes. */
const MAX_FRAME_BYTES = 8 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;
const CRC_HEADER = 5;
/** memberlist's `udpRecvBufSize`, bytes. */
const UDP_RECV_BUFFER_BYTES = 2 * 1024 * 1024;

/** What the transport seals and checks with; set by the cluster that owns it. */

/** Running totals of the memberlist wire, beside the cluster's own counters. */
export interface MemberlistWireCounters {
  /** memberlist packets received (before decoding). */
  packetsIn: number;
  /** memberlist packets sent. */
  packetsOut: number;
  /** Always 0: incoming datagrams are queued, not dropped, on this transport. */
  readonly datagramsDropped: 0;
  /** Grapevine messages with no memberlist counterpart (state, queries), not sent. */
  untranslated: number;
  /** Packets, messages and streams refused, by `MemberlistError` reason (or `untranslatable`). */
  readonly rejected: Record<string, number>;
}

/**
 * A Grapevine {@link Transport} that speaks HashiCorp memberlist's wire protocol on one port: UDP
 * packets and TCP streams, as memberlist's own `NetTransport`. It translates between the node
 * core's messages and memberlist's at the edge (see `translate.ts`), so the core's failure
 * detector probes and is probed by Go nodes. Its scheme is `udp`.
 */
export class MemberlistTransport implements Transport, StreamHost, WireTransport {
  /** Which wire this transport speaks: the cluster configures it by this mark. */
  readonly wireProtocol = "memberlist";
  readonly scheme = "udp";
  readonly mtu = GRAPEVINE_MTU;
  readonly maxFrameBytes = MAX_FRAME_BYTES;
  private readonly tally: MemberlistWireCounters = {
    packetsIn: 0,
    packetsOut: 0,
    datagramsDropped: 0,
    untranslated: 0,
    rejected: {},
  };
  private readonly incoming = new AsyncQueue<Datagram>();
  private readonly accepted = new AsyncQueue<Stream>();
  private readonly sockets = new Set<Socket>();
  private security: MemberlistWireSecurity = { keys: () => [], label: "" };
  private closed = false;

  /** Running totals (a live object). */
  counters(): MemberlistWireCounters {
    return this.tally;
  }

  /** The address bound, with the real port (as `UdpTransport.boundAddress`). */
  get boundAddress(): string {
    return this.address;
  }

  private constructor(
    private readonly udp: DgramSocket,
    private readonly server: Server,
    readonly address: string,
  ) {}

  /**
   * Binds UDP and TCP on `bind` (`udp://IP:port`; port 0 picks a free one, the same for both).
   * Rejects with `TransportError` `invalid-address`, `address-in-use` or `access-denied`.
   */
  static async bind(bind: string): Promise<MemberlistTransport> {
    const parsed = parseUdpUrl(bind);
    if (parsed === undefined) {
      throw new TransportError("invalid-address", `${bind}: expected udp://IP:port`);
    }
    const family = isIP(parsed.host) === 6 ? "udp6" : "udp4";
    const server = createServer();
    let udp: DgramSocket | undefined;
    try {
      const port = await new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: parsed.host, port: parsed.port, exclusive: true }, () => {
          server.off("error", reject);
          resolve((server.address() as { port: number }).port);
        });
      });
      // memberlist asks for a 2 MB receive buffer (udpRecvBufSize): bursts of gossip are not
      // dropped by the kernel while the event loop is busy.
      const socket = createSocket({ type: family, recvBufferSize: UDP_RECV_BUFFER_BYTES });
      udp = socket;
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ address: parsed.host, port, exclusive: true }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
      const t = new MemberlistTransport(socket, server, urlOf(parsed.host, port));
      t.listen();
      return t;
    } catch (err) {
      server.close();
      try {
        udp?.close();
      } catch {
        // Never bound.
      }
      throw toTransportError(err, `bind ${bind}`, "invalid-address");
    }
  }

  /** Sets the keys and label (the owning cluster does, from its keyring and label). */
  configure(security: MemberlistWireSecurity): void {
    this.security = security;
  }

  decodeOptions(): DecodeOptions {
    const verifyIncoming = (this.security.mode ?? "required") === "required";
    return { keys: this.security.keys(), label: this.security.label, verifyIncoming };
  }

  encodeOptions(): EncodeOptions {
    const key = this.security.mode === "open-only" ? undefined : this.security.keys()[0];
    return { label: this.security.label, crc: true, ...(key ? { key } : {}) };
  }

  reject(reason: string): void {
    this.tally.rejected[reason] = (this.tally.rejected[reason] ?? 0) + 1;
  }

  /** Translates a Grapevine packet and sends it as one or more memberlist packets. */
  send(to: string, data: Uint8Array): void {
    assertSendable(this.closed, this.mtu, data, "datagram");
    const target = parseUdpUrl(to);
    const decoded = decode(data, { maxPacketBytes: this.mtu });
    if (target === undefined || !decoded.ok) return;
    const parts: Uint8Array[] = [];
    for (const m of decoded.envelope.messages) {
      const translated = toMemberlist(m);
      if (translated === undefined) this.tally.untranslated += 1;
      else parts.push(encodeMessage(translated));
    }
    const options = this.encodeOptions();
    const budget =
      MEMBERLIST_UDP_BYTES -
      CRC_HEADER -
      labelOverhead(options.label ?? "") -
      (options.key ? encryptOverhead(1) : 0);
    for (const packet of packParts(parts, budget)) {
      this.tally.packetsOut += 1;
      this.udp.send(sealPacket(packet, options), target.port, target.host);
    }
  }

  datagrams(): AsyncIterable<Datagram> {
    return this.incoming;
  }

  streams(): AsyncIterable<Stream> {
    return this.accepted;
  }

  /** Opens a TCP stream to a memberlist peer; frames written to it are translated. */
  dial(to: string, options: DialOptions = {}): Promise<Stream> {
    if (this.closed) return Promise.reject(new TransportError("closed", "transport closed"));
    const target = parseUdpUrl(to);
    if (target === undefined) {
      return Promise.reject(new TransportError("invalid-address", `${to}: expected udp://IP:port`));
    }
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError("timeout", `connect to ${to}`));
      }, options.timeoutMs ?? CONNECT_TIMEOUT_MS);
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(toTransportError(err, `dial ${to}`, "unreachable"));
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        this.track(socket);
        resolve(new MemberlistStream(socket, to, this, undefined, true));
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.incoming.end();
    this.accepted.end();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
  }

  /**
   * One received memberlist packet, translated into the Grapevine datagrams the core reads (one
   * per message, so none exceeds the core's MTU). Exposed for tests and fuzzing: never throws;
   * what does not decode is counted by reason.
   */
  receivePacket(from: string, bytes: Uint8Array): void {
    if (this.closed) return;
    this.tally.packetsIn += 1;
    const decoded = decodePacket(bytes, this.decodeOptions());
    if (!decoded.ok) {
      this.reject(decoded.error.reason);
      return;
    }
    for (const err of decoded.rejected) this.reject(err.reason);
    for (const m of decoded.messages) {
      const message = fromMemberlist(m);
      if (message === undefined) this.reject("untranslatable");
      else this.deliver(from, message);
    }
  }

  /** Queues one translated message for the core; one the codec will not encode is counted. */
  private deliver(from: string, message: Message): void {
    const data = envelopeOf(message);
    if (data === undefined) this.reject("untranslatable");
    else if (data.length > this.mtu) this.reject("limit");
    else this.incoming.push({ from, data });
  }

  private listen(): void {
    this.udp.on("message", (bytes, rinfo) =>
      this.receivePacket(urlOf(rinfo.address, rinfo.port), new Uint8Array(bytes)),
    );
    this.udp.on("error", () => undefined);
    this.server.on("connection", (socket) => void this.onConnection(socket));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  /** A peer's stream: a user message is delivered as a datagram; anything else is an exchange. */
  private async onConnection(socket: Socket): Promise<void> {
    try {
      await this.answer(socket);
    } catch {
      this.reject("stream-error");
      socket.destroy();
    }
  }

  private async answer(socket: Socket): Promise<void> {
    this.track(socket);
    socket.on("error", () => undefined);
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy());
    const remote = urlOf(socket.remoteAddress ?? "0.0.0.0", socket.remotePort ?? 0);
    const message = await readOneMessage(socket, this);
    if (message === undefined || this.closed) {
      socket.destroy();
      return;
    }
    const translated = fromStreamMessage(message, false);
    if (translated === undefined) {
      this.reject("untranslatable");
      socket.destroy();
    } else if (translated.type === "user") {
      socket.end();
      this.deliver(remote, translated);
    } else {
      this.accepted.push(new MemberlistStream(socket, remote, this, translated, false));
    }
  }
}

/** Encoded messages packed greedily into packets (compounds) of at most `budget` bytes each. */
function packParts(parts: readonly Uint8Array[], budget: number): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let group: Uint8Array[] = [];
  let size = COMPOUND_OVERHEAD.header;
  const flush = (): void => {
    if (group.length === 1) packets.push(group[0] as Uint8Array);
    else if (group.length > 1) packets.push(makeCompound(group));
    group = [];
    size = COMPOUND_OVERHEAD.header;
  };
  for (const part of parts) {
    if (
      group.length > 0 &&
      (size + part.length + COMPOUND_OVERHEAD.perMessage > budget || group.length === 255)
    )
      flush();
    group.push(part);
    size += part.length + COMPOUND_OVERHEAD.perMessage;
  }
  flush();
  return packets;
}
