import { type Clock, type Rng, seededRng } from "@grapevine/protocol";
import {
  type Datagram,
  type DialOptions,
  parseAddress,
  type Stream,
  systemClock,
  TransportError,
} from "@grapevine/transport";
import { BytePool } from "./byte-pool.js";
import {
  copyCounters,
  emptyTrafficCounters,
  type NetworkDropReason,
  type TrafficCounters,
} from "./counters.js";
import type { LatencyModel } from "./latency.js";
import { ANY_NODE, LinkRules } from "./link-rules.js";
import { type DialContext, dialStream } from "./memory-dial.js";
import { MemoryTransport, type NetworkPort } from "./memory-transport.js";
import { DEFAULT_SEED } from "./random.js";
import {
  type FrameFate,
  frameFate,
  type StreamLossModel,
  type StreamLossOptions,
  streamLossModel,
} from "./stream-loss.js";

/** Options for {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Where time comes from (default `systemClock`; use a `VirtualClock` for simulations). */
  readonly clock?: Clock;
  /** Random source for loss and jitter (default `seededRng(DEFAULT_SEED)`: a fixed seed). */
  readonly rng?: Rng;
  /** Default datagram MTU in bytes (default 1400). */
  readonly mtu?: number;
  /** Default largest stream frame in bytes (default 1 MiB). */
  readonly maxFrameBytes?: number;
  /** Default one-way latency of every link (default 0 ms: delivered on the next timer turn). */
  readonly latency?: LatencyModel;
  /**
   * Default loss probability of every link, 0..1 (default 0): datagrams are dropped; stream
   * segments are retransmitted late, as TCP's are (see `streamLoss`).
   */
  readonly loss?: number;
  /** How streams live with loss: retransmission timeouts and when a stream gives up. */
  readonly streamLoss?: StreamLossOptions;
  /** Dial timeout in ms when `dial` is given none (default 5000). */
  readonly connectTimeoutMs?: number;
  /** Frames a stream direction may have in flight or unread before `write` waits (default 64). */
  readonly streamBufferFrames?: number;
  /** Datagrams a node may have queued unread before new ones are dropped (default 4096). */
  readonly receiveQueueLimit?: number;
  /** Streams a node may have waiting to be accepted before dials are refused (default 128). */
  readonly acceptBacklog?: number;
}

/** Per-node options for {@link MemoryNetwork.bind}. */
export interface MemoryBindOptions {
  /** This node's datagram MTU in bytes (default: the network's). */
  readonly mtu?: number;
  /** This node's largest stream frame in bytes (default: the network's). */
  readonly maxFrameBytes?: number;
}

const SCHEME_PREFIX = "mem://";
const ADDRESS_CACHE_LIMIT = 100_000;

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * An in-process network of {@link MemoryTransport}s, for tests and the simulator. Each node binds
 * a `mem://name` address; datagrams and stream frames travel with per-link latency on the given
 * clock, datagrams may be lost (globally, per link, one way), and links can be cut by partitions
 * and one-way blocks. Nodes can be paused and crashed. Counters record packets and bytes sent,
 * delivered and dropped (by reason), per node and in total.
 *
 * Node arguments accept a bare name (`n1`) or its URL (`mem://n1`). With a `VirtualClock` and a
 * seeded `rng`, a run is exactly reproducible.
 */
export class MemoryNetwork {
  /** The clock deliveries are scheduled on. */
  readonly clock: Clock;
  /** The random source for loss and jitter. */
  readonly random: Rng;
  /** Default datagram MTU in bytes. */
  readonly mtu: number;
  /** Default largest stream frame in bytes. */
  readonly maxFrameBytes: number;
  private readonly connectTimeoutMs: number;
  private readonly streamBufferFrames: number;
  private readonly receiveQueueLimit: number;
  private readonly acceptBacklog: number;
  private readonly streamLoss: StreamLossModel;
  private readonly rules: LinkRules;
  private readonly bound = new Map<string, MemoryTransport>();
  private readonly paused = new Set<string>();
  private readonly nodeCounters = new Map<string, TrafficCounters>();
  private total = emptyTrafficCounters();
  private readonly canonical = new Map<string, string>();
  private readonly port: NetworkPort;
  private readonly pool = new BytePool();
  private readonly dialer: DialContext;

  constructor(options: MemoryNetworkOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = options.rng ?? seededRng(DEFAULT_SEED);
    this.mtu = positiveInteger(options.mtu ?? 1400, "mtu");
    this.maxFrameBytes = positiveInteger(options.maxFrameBytes ?? 1024 * 1024, "maxFrameBytes");
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.streamBufferFrames = positiveInteger(
      options.streamBufferFrames ?? 64,
      "streamBufferFrames",
    );
    this.receiveQueueLimit = positiveInteger(
      options.receiveQueueLimit ?? 4096,
      "receiveQueueLimit",
    );
    this.acceptBacklog = positiveInteger(options.acceptBacklog ?? 128, "acceptBacklog");
    this.streamLoss = streamLossModel(options.streamLoss);
    this.rules = new LinkRules(options.loss ?? 0, options.latency ?? 0);
    this.port = {
      clock: this.clock,
      copy: (data) => this.pool.copy(data),
      sendDatagram: (from, to, data) => this.sendDatagram(from, to, data),
      dial: (from, to, opts) => this.dial(from, to, opts),
      delay: (from, to) => this.rules.latencyOf(from, to, this.random),
      frameFate: (from, to, bytes) => this.fate(from, to, bytes, this.streamLoss.rtoMs, true),
      release: (transport) => {
        if (this.bound.get(transport.address) === transport) this.bound.delete(transport.address);
      },
      countFrameSent: (t, bytes) => {
        t.counters.framesSent++;
        t.counters.frameBytesSent += bytes;
        this.total.framesSent++;
        this.total.frameBytesSent += bytes;
      },
      countFrameDelivered: (t, bytes) => {
        t.counters.framesDelivered++;
        t.counters.frameBytesDelivered += bytes;
        this.total.framesDelivered++;
        this.total.frameBytesDelivered += bytes;
      },
      countStreamReset: (t) => {
        t.counters.streamsReset++;
        this.total.streamsReset++;
      },
      countStreamTimedOut: (t) => {
        t.counters.streamsTimedOut++;
        this.total.streamsTimedOut++;
      },
      deliverHeld: (t, datagram) => this.enqueue(t, datagram, this.counters_(datagram.from)),
    };
    this.dialer = {
      clock: this.clock,
      rules: this.rules,
      random: this.random,
      bound: this.bound,
      streamBufferFrames: this.streamBufferFrames,
      synRtoMs: this.streamLoss.synRtoMs,
      total: () => this.total,
      fate: (from, to, bytes, rtoMs, frame) => this.fate(from, to, bytes, rtoMs, frame),
    };
  }

  /**
   * Binds a node at `address` (`mem://name` or `name`). Rejects with `address-in-use` while another
   * transport holds it (it is free again once that one closes or crashes) and with
   * `invalid-address` for anything that is not a `mem://` name.
   */
  async bind(address: string, options: MemoryBindOptions = {}): Promise<MemoryTransport> {
    return this.bindNow(address, options);
  }

  /** {@link MemoryNetwork.bind}, synchronously (throws instead of rejecting). */
  bindNow(address: string, options: MemoryBindOptions = {}): MemoryTransport {
    const url = this.nodeAddress(address);
    if (this.bound.has(url)) throw new TransportError("address-in-use", `${url} is in use`);
    const transport = new MemoryTransport(
      this.port,
      url,
      positiveInteger(options.mtu ?? this.mtu, "mtu"),
      positiveInteger(options.maxFrameBytes ?? this.maxFrameBytes, "maxFrameBytes"),
      this.counters_(url),
      this.receiveQueueLimit,
      this.acceptBacklog,
    );
    this.bound.set(url, transport);
    if (this.paused.has(url)) transport.setPaused(true);
    return transport;
  }

  /** The transport bound at `node` now, if any. */
  transport(node: string): MemoryTransport | undefined {
    return this.bound.get(this.nodeAddress(node));
  }

  /** Addresses bound now, in bind order. */
  addresses(): string[] {
    return [...this.bound.keys()];
  }

  /** Sets the loss probability (0..1) of every link without a per-link setting. */
  setDefaultLoss(p: number): void {
    this.rules.setDefaultLoss(p);
  }

  /** Sets the latency of every link without a per-link setting. */
  setDefaultLatency(model: LatencyModel): void {
    this.rules.setDefaultLatency(model);
  }

  /**
   * Sets the loss probability (0..1) of the one-way link `from → to` (datagrams dropped, stream
   * segments retransmitted); `undefined` restores the default. Either side may be `"*"` (any
   * node); the exact pair wins.
   */
  setLoss(from: string, to: string, p: number | undefined): void {
    this.rules.setLoss(this.linkEnd(from), this.linkEnd(to), p);
  }

  /**
   * Sets the latency of the one-way link `from → to` (datagrams and stream frames); `undefined`
   * restores the default. Either side may be `"*"` (any node); the exact pair wins.
   */
  setLatency(from: string, to: string, model: LatencyModel | undefined): void {
    this.rules.setLatency(this.linkEnd(from), this.linkEnd(to), model);
  }

  /**
   * Splits the nodes into groups that cannot reach each other (replacing any earlier partition).
   * Nodes named in no group form one more group together, so `partition([["n1"]])` isolates n1.
   * Datagrams across the cut are dropped, dials across it time out, and open streams across it
   * break at once with `reset` on both sides.
   */
  partition(groups: readonly (readonly string[])[]): void {
    this.rules.partition(groups.map((group) => group.map((node) => this.nodeAddress(node))));
    this.breakCutStreams();
  }

  /** Removes the partition and every block. Loss and latency settings stay. */
  heal(): void {
    this.rules.clearPartition();
    this.rules.clearBlocks();
  }

  /**
   * Drops everything from `from` to `to` (one way). Streams between the two break with `reset`
   * (a stream needs both directions) and dials between them time out.
   */
  block(from: string, to: string): void {
    this.rules.block(this.nodeAddress(from), this.nodeAddress(to));
    this.breakCutStreams();
  }

  /** Undoes {@link MemoryNetwork.block}. */
  unblock(from: string, to: string): void {
    this.rules.unblock(this.nodeAddress(from), this.nodeAddress(to));
  }

  /** Whether a datagram from `from` to `to` could pass now (ignoring random loss). */
  canReach(from: string, to: string): boolean {
    return this.rules.cut(this.nodeAddress(from), this.nodeAddress(to)) === undefined;
  }

  /**
   * Holds every delivery to `node` (datagrams and stream frames, in order) until
   * {@link MemoryNetwork.resume}, as the socket buffers of a stalled process would. The node can
   * still send; stopping its own timers is up to the caller. Applies to later binds too.
   */
  pause(node: string): void {
    const url = this.nodeAddress(node);
    this.paused.add(url);
    this.bound.get(url)?.setPaused(true);
  }

  /** Delivers what was held for `node`, in order, and stops holding. */
  resume(node: string): void {
    const url = this.nodeAddress(node);
    this.paused.delete(url);
    this.bound.get(url)?.setPaused(false);
  }

  /**
   * Crashes `node` at once: its transport closes (queued datagrams are lost, peers' streams see
   * `reset` one link delay later) and the address is free. No-op when nothing is bound there.
   */
  crash(node: string): void {
    this.bound.get(this.nodeAddress(node))?.closeNow();
  }

  /** Crashes every node. */
  closeAll(): void {
    for (const transport of [...this.bound.values()]) transport.closeNow();
  }

  /** A snapshot of the counters of `node`, or of the whole network when `node` is omitted. */
  counters(node?: string): TrafficCounters {
    if (node === undefined) return copyCounters(this.total);
    return copyCounters(this.nodeCounters.get(this.nodeAddress(node)) ?? emptyTrafficCounters());
  }

  /** Zeroes every counter. */
  resetCounters(): void {
    this.total = emptyTrafficCounters();
    for (const c of this.nodeCounters.values()) Object.assign(c, emptyTrafficCounters());
  }

  private sendDatagram(from: MemoryTransport, to: string, data: Uint8Array): void {
    const size = data.byteLength;
    const sender = from.counters;
    const total = this.total;
    sender.datagramsSent++;
    sender.datagramBytesSent += size;
    total.datagramsSent++;
    total.datagramBytesSent += size;
    const url = this.canonical.get(to) ?? this.resolveSlow(to);
    if (this.rules.anyCut) {
      const cut = this.rules.cut(from.address, url);
      if (cut !== undefined) {
        this.drop(sender, cut, size);
        return;
      }
    }
    if (!this.bound.has(url)) {
      this.drop(sender, "unreachable", size);
      return;
    }
    const loss = this.rules.lossOf(from.address, url);
    if (loss > 0 && this.random.next() < loss) {
      this.drop(sender, "loss", size);
      return;
    }
    const delay = this.rules.latencyOf(from.address, url, this.random);
    const datagram: Datagram = { from: from.address, data: this.pool.copy(data) };
    this.clock.setTimeout(() => this.arrive(url, datagram, sender), delay);
  }

  private arrive(url: string, datagram: Datagram, sender: TrafficCounters): void {
    const receiver = this.bound.get(url);
    if (receiver === undefined) {
      this.drop(sender, "closed", datagram.data.byteLength);
      return;
    }
    if (receiver.paused) {
      if (receiver.heldCount >= this.receiveQueueLimit) {
        this.drop(sender, "overflow", datagram.data.byteLength);
      } else {
        receiver.holdDatagram(datagram);
      }
      return;
    }
    this.enqueue(receiver, datagram, sender);
  }

  private enqueue(receiver: MemoryTransport, datagram: Datagram, sender: TrafficCounters): void {
    const size = datagram.data.byteLength;
    if (!receiver.inbound.push(datagram)) {
      this.drop(sender, receiver.inbound.closed ? "closed" : "overflow", size);
      return;
    }
    const c = receiver.counters;
    c.datagramsDelivered++;
    c.datagramBytesDelivered += size;
    this.total.datagramsDelivered++;
    this.total.datagramBytesDelivered += size;
  }

  private drop(sender: TrafficCounters, reason: NetworkDropReason, size: number): void {
    sender.datagramsDropped++;
    sender.datagramBytesDropped += size;
    sender.droppedBy[reason]++;
    const total = this.total;
    total.datagramsDropped++;
    total.datagramBytesDropped += size;
    total.droppedBy[reason]++;
  }

  /**
   * What the lossy link `from → to` does to a stream frame of `bytes` bytes (a connection attempt
   * when `frame` is false), counted on `from`. No draw from the random source without loss.
   */
  private fate(
    from: MemoryTransport,
    to: string,
    bytes: number,
    rtoMs: number,
    frame: boolean,
  ): FrameFate {
    const loss = this.rules.lossOf(from.address, to);
    if (!(loss > 0)) return frameFate(0, bytes, this.streamLoss, this.random);
    const fate = frameFate(loss, bytes, this.streamLoss, this.random, rtoMs);
    if (fate.retransmits > 0) {
      from.counters.streamRetransmits += fate.retransmits;
      this.total.streamRetransmits += fate.retransmits;
    }
    if (frame && fate.stallMs > 0 && !fate.broken) {
      from.counters.framesStalled++;
      this.total.framesStalled++;
    }
    return fate;
  }

  private dial(from: MemoryTransport, to: string, options?: DialOptions): Promise<Stream> {
    let url: string;
    try {
      url = this.canonical.get(to) ?? this.resolveSlow(to);
    } catch (error) {
      return Promise.reject(error);
    }
    return dialStream(this.dialer, from, url, options?.timeoutMs ?? this.connectTimeoutMs);
  }

  /** Breaks every open stream whose two ends can no longer reach each other. */
  private breakCutStreams(): void {
    for (const transport of this.bound.values()) {
      for (const end of [...transport.openStreams]) {
        if (this.rules.cutEitherWay(transport.address, end.remote) !== undefined) {
          end.breakLocally();
        }
      }
    }
  }

  private counters_(url: string): TrafficCounters {
    let c = this.nodeCounters.get(url);
    if (c === undefined) {
      c = emptyTrafficCounters();
      this.nodeCounters.set(url, c);
    }
    return c;
  }

  /** Canonical URL of a destination address, cached; throws `invalid-address`. */
  private resolveSlow(to: string): string {
    const address = parseAddress(to);
    if (address.scheme !== "mem") {
      throw new TransportError("invalid-address", `${to} is not a mem:// address`);
    }
    if (this.canonical.size >= ADDRESS_CACHE_LIMIT) this.canonical.clear();
    this.canonical.set(to, address.url);
    return address.url;
  }

  /** Canonical URL of a node given as `name` or `mem://name`. */
  private nodeAddress(node: string): string {
    const url = node.includes("://") ? node : `${SCHEME_PREFIX}${node}`;
    return this.canonical.get(url) ?? this.resolveSlow(url);
  }

  private linkEnd(node: string): string {
    return node === ANY_NODE ? ANY_NODE : this.nodeAddress(node);
  }
}
