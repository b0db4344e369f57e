import type { Socket as DgramSocket, RemoteInfo } from "node:dgram";
import { formatAddress } from "@grapevine/protocol";
import { AsyncQueue, type Datagram } from "@grapevine/transport";

/** Tallies kept by a {@link DatagramStream}. */
export interface DatagramStreamCounts {
  /** Datagrams handed to the queue. */
  received: number;
  /** Payload bytes of those datagrams. */
  receivedBytes: number;
  /** Datagrams dropped because the reader fell `limit` datagrams behind. */
  dropped: number;
}

/** How many sender addresses keep their formatted URL cached; the cache is reset when full. */
const FROM_CACHE_LIMIT = 4096;

/**
 * Adapts a `node:dgram` socket, which only emits `message` events, to the shape every transport
 * hands datagrams up in: a single-consumer `AsyncIterable<Datagram>` whose `from` is the sender's
 * canonical `scheme://ip:port` (IPv6 in brackets, IPv4-mapped IPv6 written as plain IPv4 so a
 * dual-stack socket reports IPv4 peers by the address they advertise).
 *
 * The queue is bounded: a reader that falls `limit` datagrams behind loses the newest ones, as a
 * full socket buffer would; datagrams are unreliable anyway. The iteration ends when the socket
 * closes or {@link DatagramStream.end} is called.
 */
export class DatagramStream implements AsyncIterable<Datagram> {
  private readonly queue: AsyncQueue<Datagram>;
  /** Sender URLs by address (as dgram gives it) and port: no key string built per datagram. */
  private readonly fromCache = new Map<string, Map<number, string>>();
  private fromCached = 0;
  /** Running tallies; read them, don't write them. */
  readonly counts: DatagramStreamCounts = { received: 0, receivedBytes: 0, dropped: 0 };

  /**
   * @param socket a bound (or binding) dgram socket; the adapter only listens to it.
   * @param scheme URL scheme for `from` (`udp`).
   * @param limit most datagrams held for a slow reader.
   */
  constructor(
    socket: DgramSocket,
    private readonly scheme: string,
    limit: number,
  ) {
    this.queue = new AsyncQueue<Datagram>(limit);
    socket.on("message", (data: Buffer, rinfo: RemoteInfo) => this.onMessage(data, rinfo));
    socket.on("close", () => this.end());
  }

  private onMessage(data: Buffer, rinfo: RemoteInfo): void {
    let ports = this.fromCache.get(rinfo.address);
    let from = ports?.get(rinfo.port);
    if (from === undefined) {
      from = formatAddress(this.scheme, unmapIPv4(rinfo.address), rinfo.port);
      if (this.fromCached >= FROM_CACHE_LIMIT) {
        this.fromCache.clear();
        this.fromCached = 0;
        ports = undefined;
      }
      if (ports === undefined) {
        ports = new Map();
        this.fromCache.set(rinfo.address, ports);
      }
      ports.set(rinfo.port, from);
      this.fromCached += 1;
    }
    if (this.queue.push({ from, data })) {
      this.counts.received += 1;
      this.counts.receivedBytes += data.byteLength;
    } else if (!this.queue.closed) {
      this.counts.dropped += 1;
    }
  }

  /** Ends the iteration; datagrams still queued are delivered first. Idempotent. */
  end(): void {
    this.queue.end();
  }

  /** Drops datagrams still queued (after close nothing more is delivered). */
  clear(): void {
    this.queue.clear();
  }

  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return this.queue[Symbol.asyncIterator]();
  }
}

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:10.0.0.5` → `10.0.0.5`; any other address unchanged. */
export function unmapIPv4(address: string): string {
  const m = MAPPED.exec(address);
  return m ? m[1]! : address;
}
