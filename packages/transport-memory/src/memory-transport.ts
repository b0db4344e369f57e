import type { Clock } from "@grapevine/protocol";
import {
  AsyncQueue,
  assertSendable,
  type Datagram,
  type DialOptions,
  endQueues,
  type Stream,
  type Transport,
  TransportError,
} from "@grapevine/transport";
import type { TrafficCounters } from "./counters.js";
import type { MemoryNetwork } from "./memory-network.js";
import type { MemoryStreamEnd, Pipe, StreamOwner } from "./memory-stream.js";
import type { FrameFate } from "./stream-loss.js";

/** The parts of {@link MemoryNetwork} a transport calls. Internal to this package. */
export interface NetworkPort {
  readonly clock: Clock;
  /** A private copy of a payload (pooled). */
  copy(data: Uint8Array): Uint8Array;
  sendDatagram(from: MemoryTransport, to: string, data: Uint8Array): void;
  dial(from: MemoryTransport, to: string, options: DialOptions | undefined): Promise<Stream>;
  delay(from: string, to: string): number;
  /** What the link `from → to` does to a stream frame of `bytes` bytes; counted on `from`. */
  frameFate(from: MemoryTransport, to: string, bytes: number): FrameFate;
  release(transport: MemoryTransport): void;
  countFrameSent(transport: MemoryTransport, bytes: number): void;
  countFrameDelivered(transport: MemoryTransport, bytes: number): void;
  countStreamReset(transport: MemoryTransport): void;
  countStreamTimedOut(transport: MemoryTransport): void;
  deliverHeld(transport: MemoryTransport, datagram: Datagram): void;
}

/**
 * One node's endpoint on a {@link MemoryNetwork}, bound to a `mem://name` address. Obtain it from
 * `MemoryNetwork.bind`. Behaves as the `Transport` contract says; the network decides latency,
 * loss, partitions and blocks.
 */
export class MemoryTransport implements Transport, StreamOwner {
  /** Always `mem`. */
  readonly scheme = "mem";
  /** @internal the network's per-node counters. */
  readonly counters: TrafficCounters;
  /** @internal incoming datagrams (the network pushes into it). */
  readonly inbound: AsyncQueue<Datagram>;
  /** @internal streams waiting to be accepted. */
  readonly accepts: AsyncQueue<Stream>;
  /** @internal open stream ends, aborted on close. */
  readonly openStreams = new Set<MemoryStreamEnd>();
  /** @internal rejecters of dials in progress. */
  readonly pendingDials = new Set<(error: TransportError) => void>();
  private closedFlag = false;
  private pausedFlag = false;
  private held: (Datagram | Pipe)[] = [];

  constructor(
    private readonly network: NetworkPort,
    /** The `mem://name` URL peers send to and see as `from`. */
    readonly address: string,
    /** Largest datagram payload in bytes. */
    readonly mtu: number,
    /** Largest stream frame in bytes. */
    readonly maxFrameBytes: number,
    counters: TrafficCounters,
    queueLimit: number,
    acceptBacklog: number,
  ) {
    this.counters = counters;
    this.inbound = new AsyncQueue<Datagram>(queueLimit);
    this.accepts = new AsyncQueue<Stream>(acceptBacklog);
  }

  /** The network's clock (streams schedule deliveries on it). */
  get clock(): Clock {
    return this.network.clock;
  }

  /** True after `close()` or a crash. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** True while the network holds deliveries to this node (`MemoryNetwork.pause`). */
  get paused(): boolean {
    return this.pausedFlag;
  }

  send(to: string, data: Uint8Array): void {
    assertSendable(this.closedFlag, this.mtu, data, this.address);
    this.network.sendDatagram(this, to, data);
  }

  datagrams(): AsyncIterable<Datagram> {
    return this.inbound;
  }

  dial(to: string, options?: DialOptions): Promise<Stream> {
    if (this.closedFlag) {
      return Promise.reject(new TransportError("closed", `${this.address} is closed`));
    }
    return this.network.dial(this, to, options);
  }

  streams(): AsyncIterable<Stream> {
    return this.accepts;
  }

  close(): Promise<void> {
    this.closeNow();
    return Promise.resolve();
  }

  /**
   * Closes at once (what `close` and `MemoryNetwork.crash` do): frees the address, drops queued
   * datagrams, ends both iterations, aborts open streams (peers see `reset` one link delay later)
   * and rejects dials in progress with `closed`.
   */
  closeNow(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.pausedFlag = false;
    this.held = [];
    this.network.release(this);
    endQueues(this.inbound, this.accepts);
    for (const end of [...this.openStreams]) end.abort();
    this.openStreams.clear();
    const dials = [...this.pendingDials];
    this.pendingDials.clear();
    for (const reject of dials) reject(new TransportError("closed", `${this.address} closed`));
  }

  /** @internal see `MemoryNetwork.pause`. */
  setPaused(paused: boolean): void {
    if (this.closedFlag || paused === this.pausedFlag) return;
    this.pausedFlag = paused;
    if (paused) return;
    const held = this.held;
    this.held = [];
    for (const item of held) {
      if (this.pausedFlag || this.closedFlag) {
        if (!this.closedFlag) this.held.push(item);
        continue;
      }
      if ("deliverHead" in item) item.deliverHead();
      else this.network.deliverHeld(this, item);
    }
  }

  /** @internal deliveries kept while paused. */
  get heldCount(): number {
    return this.held.length;
  }

  /** @internal keeps a datagram for delivery on resume. */
  holdDatagram(datagram: Datagram): void {
    this.held.push(datagram);
  }

  hold(pipe: Pipe): void {
    this.held.push(pipe);
  }

  copy(data: Uint8Array): Uint8Array {
    return this.network.copy(data);
  }

  delayTo(to: string): number {
    return this.network.delay(this.address, to);
  }

  fateTo(to: string, bytes: number): FrameFate {
    return this.network.frameFate(this, to, bytes);
  }

  streamTimedOut(): void {
    this.network.countStreamTimedOut(this);
  }

  frameSent(bytes: number): void {
    this.network.countFrameSent(this, bytes);
  }

  frameDelivered(bytes: number): void {
    this.network.countFrameDelivered(this, bytes);
  }

  streamReset(): void {
    this.network.countStreamReset(this);
  }

  streamDone(end: MemoryStreamEnd): void {
    this.openStreams.delete(end);
  }
}
