/**
 * A transport wrapper for the real-socket cluster bench: counts what a node puts on the wire and
 * can drop outgoing datagrams (the loss scenario). UDP bytes are counted as the kernel sends them
 * plus 28 B of IPv4 + UDP header per packet; TCP bytes are stream frames as written (payload plus
 * the 4-byte length prefix; the transport's tiny stream hello and TCP/IP headers are not seen here).
 */
import type { Datagram, DialOptions, Stream, Transport } from "@grapevine/transport";

/** IPv4 (20 B) + UDP (8 B) header bytes a datagram costs on the wire. */
export const IP_UDP_HEADER_BYTES = 28;
/** Length prefix of a stream frame on the TCP channel. */
export const FRAME_PREFIX_BYTES = 4;

/** Running totals of one node's sends. */
export interface WireCounts {
  udpPackets: number;
  /** Datagram bytes including {@link IP_UDP_HEADER_BYTES} per packet. */
  udpBytes: number;
  /** Stream frame bytes written, both as dialer and as acceptor. */
  tcpBytes: number;
  /** Datagrams dropped by the loss setting (not counted as sent). */
  dropped: number;
}

/** A transport that counts its sends and drops a fraction `loss` of outgoing datagrams. */
export class CountingTransport implements Transport {
  readonly counts: WireCounts = { udpPackets: 0, udpBytes: 0, tcpBytes: 0, dropped: 0 };
  /** Probability that an outgoing datagram is dropped (0 = none). */
  loss = 0;

  constructor(readonly inner: Transport) {}

  get scheme(): string {
    return this.inner.scheme;
  }
  get mtu(): number {
    return this.inner.mtu;
  }
  get maxFrameBytes(): number {
    return this.inner.maxFrameBytes;
  }
  get address(): string {
    return this.inner.address;
  }

  send(to: string, data: Uint8Array): void {
    if (this.loss > 0 && Math.random() < this.loss) {
      this.counts.dropped += 1;
      return;
    }
    this.inner.send(to, data);
    this.counts.udpPackets += 1;
    this.counts.udpBytes += data.length + IP_UDP_HEADER_BYTES;
  }

  datagrams(): AsyncIterable<Datagram> {
    return this.inner.datagrams();
  }

  async dial(to: string, options?: DialOptions): Promise<Stream> {
    return this.count(await this.inner.dial(to, options));
  }

  async *streams(): AsyncIterable<Stream> {
    for await (const stream of this.inner.streams()) yield this.count(stream);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private count(stream: Stream): Stream {
    const counts = this.counts;
    return {
      remote: stream.remote,
      write(frame: Uint8Array): Promise<void> {
        counts.tcpBytes += frame.length + FRAME_PREFIX_BYTES;
        return stream.write(frame);
      },
      close: () => stream.close(),
      abort: () => stream.abort(),
      [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](),
    };
  }
}
