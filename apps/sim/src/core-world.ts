import type { ClusterEvent, Member } from "@grapevine/cluster";
import type { PushPullMember } from "@grapevine/codec";
import { NodeCore, type NodeOutput, STATS_KEY } from "@grapevine/node";
import { type Rng, seededRng } from "@grapevine/protocol";
import { ColumnArena, MemberRegistry, PreparedMembers, swimConfig } from "@grapevine/swim";
import {
  type FrameFate,
  frameFate,
  latencySampler,
  type StreamLossModel,
  streamLossModel,
} from "@grapevine/transport-memory";
import type { SimOptions } from "./options.js";
import { LatencyMatrix } from "./topology.js";
import { WakeTimer } from "./wake-timer.js";
import { type SimMember, type SimNetwork, type SimNode, sharedTuning, World } from "./world.js";

/** Datagram size limit of the simulated network, bytes (a LAN UDP packet). */
const MTU = 1400;
/** Stream frame limit: push-pull frames of a 10,000-member cluster are large. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Deliveries held for a paused node before more are dropped (as the memory network does). */
const HELD_LIMIT = 65_536;
/** One-way trips before a stream's request frame arrives: SYN, SYN-ACK, then the frame. */
const STREAM_SETUP_TRIPS = 3;

/**
 * A node core driven directly by the simulator: one virtual-clock timer armed at the core's next
 * wake time, datagrams and stream frames handed over as bytes, outputs carried out at once and
 * events recorded after each step (as the cluster shell does, without promises or transports).
 */
class CoreMember implements SimMember {
  readonly addresses: readonly string[];
  crashed = false;
  paused = false;
  held: Array<() => void> = [];
  private readonly timer: WakeTimer;

  constructor(
    readonly core: NodeCore,
    readonly address: string,
    private readonly world: CoreWorld,
    readonly node: () => SimNode,
  ) {
    // Frozen: member tables then keep this very list instead of a copy of it.
    this.addresses = Object.freeze([address]);
    this.timer = new WakeTimer(
      world.clock,
      core,
      () => this.step((now) => this.core.tick(now)),
      () => this.crashed,
    );
  }

  /** Runs one step of the core at the clock's time and carries out what it produced. */
  step(fn: (now: number) => void): void {
    if (this.crashed) return;
    fn(this.world.clock.now());
    const events: ClusterEvent[] = [];
    for (const out of this.core.drain()) this.carryOut(out, events);
    this.timer.arm();
    for (const e of events) this.world.recordEvent(this.node(), e);
  }

  private carryOut(out: NodeOutput, events: ClusterEvent[]): void {
    switch (out.kind) {
      case "datagram":
        this.world.net.sendDatagram(this, out.to, out.bytes);
        return;
      case "stream":
        this.world.net.exchange(this, out.id, out.to, out.bytes);
        return;
      case "event":
        // As the cluster shell does: telemetry records are not the application's keys.
        if (out.event.type === "key-changed" && out.event.key === STATS_KEY) return;
        events.push(out.event);
        return;
      default:
        this.world.onOutput?.(this.node(), out);
        return;
    }
  }

  aliveCount(): number {
    return this.core.aliveCount();
  }
  member(name: string): Member | undefined {
    return this.core.member(name);
  }
  set(key: string, value: string): void {
    this.step((now) => this.core.set(key, new TextEncoder().encode(value), now));
  }
  swimCounters() {
    return this.core.detector.counters;
  }
  seedMembers(members: readonly PushPullMember[] | PreparedMembers): void {
    this.step((now) => this.core.seed(members, now));
  }
  join(seeds: readonly string[]): void {
    this.step((now) => this.core.join(seeds, now));
  }
  shutdown(): void {
    this.core.stop();
  }
  readonly shared = {
    set: (key: string, value: string) =>
      this.step((now) => this.core.scoped.shared.set(key, new TextEncoder().encode(value), now)),
    delete: (key: string) => {
      let existed = false;
      this.step((now) => {
        existed = this.core.scoped.shared.delete(key, now);
      });
      return existed;
    },
    getText: (key: string) => {
      const v = this.core.scoped.shared.keyspace.get(key);
      return v === undefined ? undefined : new TextDecoder().decode(v);
    },
  };
  readonly stats = {
    publish: (name: string, value: number) =>
      this.step((now) => this.core.scoped.stats.publish(name, value, now)),
    aggregate: (name: string) => this.core.scoped.stats.aggregate(name, this.world.clock.now()),
  };
}

/**
 * The simulated network of the direct runtime: per-packet loss and latency from one seeded
 * source, partitions, paused and crashed nodes, traffic totals. Streams are a request and a reply
 * frame, each after its link delays, failing as a TCP connection would (refused by a crashed node,
 * lost across a partition, held by a paused one). Under loss, a stream's packets (SYN, SYN-ACK,
 * request, reply) are retransmitted late as the memory network's are (`frameFate`); one that gives
 * up leaves the exchange to the core's deadline, which always comes first.
 */
class CoreNetwork implements SimNetwork {
  readonly members = new Map<string, CoreMember>();
  datagrams = 0;
  datagramBytes = 0;
  frames = 0;
  frameBytes = 0;
  /** Stream segments sent again after a loss. */
  streamRetransmits = 0;
  /** Stream frames that arrived late because of retransmissions. */
  framesStalled = 0;
  /** Stream exchanges whose connection gave up retransmitting. */
  streamsTimedOut = 0;
  private readonly streamLoss: StreamLossModel = streamLossModel();
  private group = new Map<string, number>();
  private readonly latency;

  constructor(
    private readonly world: CoreWorld,
    private readonly random: Rng,
    private readonly loss: number,
    latencyMs: number,
    private readonly streamsLose = true,
  ) {
    const matrix = world.latencyMatrix;
    this.latency =
      matrix === undefined
        ? latencySampler({ meanMs: latencyMs, jitterMs: latencyMs / 2 })
        : (from: string, to: string, random: Rng) => matrix.oneWayMs(from, to, random);
  }

  partition(groups: readonly (readonly string[])[]): void {
    this.group = new Map();
    groups.forEach((names, i) => {
      for (const n of names) this.group.set(`mem://${n}`, i);
    });
  }
  heal(): void {
    this.group = new Map();
  }
  pause(node: string): void {
    const m = this.members.get(`mem://${node}`);
    if (m) m.paused = true;
  }
  resume(node: string): void {
    const m = this.members.get(`mem://${node}`);
    if (!m || m.crashed) return;
    m.paused = false;
    const held = m.held;
    m.held = [];
    for (const deliver of held) deliver();
  }
  crash(node: string): void {
    const m = this.members.get(`mem://${node}`);
    if (!m) return;
    m.crashed = true;
    m.held = [];
    m.core.stop();
  }

  private cut(a: string, b: string): boolean {
    if (this.group.size === 0) return false;
    return (this.group.get(a) ?? -1) !== (this.group.get(b) ?? -1);
  }

  /** Runs `deliver` at `to` after `delay`, unless `to` crashed by then; held while it is paused. */
  private at(to: CoreMember, delay: number, deliver: () => void): void {
    this.world.clock.setTimeout(() => {
      if (to.crashed) return;
      if (!to.paused) deliver();
      else if (to.held.length < HELD_LIMIT) to.held.push(deliver);
    }, delay);
  }

  sendDatagram(from: CoreMember, to: string, bytes: Uint8Array): void {
    this.datagrams += 1;
    this.datagramBytes += bytes.length;
    const receiver = this.members.get(to);
    if (!receiver || receiver.crashed || this.cut(from.address, to)) return;
    if (this.loss > 0 && this.random.next() < this.loss) return;
    const delay = this.latency(from.address, to, this.random);
    this.at(receiver, delay, () =>
      receiver.step((now) => receiver.core.handleDatagram(from.address, bytes, now)),
    );
  }

  /**
   * What the network's loss does to a stream frame of `bytes` bytes on any link (a connection
   * attempt when `syn`), counted. No random draw without loss.
   */
  private fate(bytes: number, syn = false): FrameFate {
    if (!(this.loss > 0) || !this.streamsLose)
      return frameFate(0, bytes, this.streamLoss, this.random);
    const model = this.streamLoss;
    const fate = frameFate(
      this.loss,
      bytes,
      model,
      this.random,
      syn ? model.synRtoMs : model.rtoMs,
    );
    this.streamRetransmits += fate.retransmits;
    if (fate.broken) this.streamsTimedOut += 1;
    else if (!syn && fate.stallMs > 0) this.framesStalled += 1;
    return fate;
  }

  exchange(from: CoreMember, id: number, to: string, request: Uint8Array): void {
    this.frames += 1;
    this.frameBytes += request.length;
    const fail = (): void => from.step((now) => from.core.handleStreamReply(id, undefined, now));
    // Lost across a partition: the core's own deadline ends the exchange.
    if (this.cut(from.address, to)) return;
    const receiver = this.members.get(to);
    if (!receiver || receiver.crashed) {
      const refusedAfter = 2 * this.latency(from.address, to, this.random);
      const syn = this.fate(0, true);
      if (syn.broken) return;
      this.world.clock.setTimeout(fail, refusedAfter + syn.stallMs);
      return;
    }
    let setup = 0;
    for (let i = 0; i < STREAM_SETUP_TRIPS; i++)
      setup += this.latency(from.address, to, this.random);
    // A connection that gives up retransmitting does so long after the core's deadline.
    const syn = this.fate(0, true);
    if (syn.broken) return;
    const synAck = this.fate(0, true);
    if (synAck.broken) return;
    const sent = this.fate(request.length);
    if (sent.broken) return;
    this.at(receiver, setup + syn.stallMs + synAck.stallMs + sent.stallMs, () => {
      let reply: Uint8Array | undefined;
      receiver.step((now) => {
        reply = receiver.core.handleStreamFrame(from.address, request, now);
      });
      if (reply === undefined) {
        const finAfter = this.latency(to, from.address, this.random);
        const fin = this.fate(0);
        if (fin.broken) return;
        this.at(from, finAfter + fin.stallMs, fail);
        return;
      }
      const answer = reply;
      this.frames += 1;
      this.frameBytes += answer.length;
      if (this.cut(to, from.address)) return;
      const replyAfter = this.latency(to, from.address, this.random);
      const back = this.fate(answer.length);
      if (back.broken) return;
      this.at(from, replyAfter + back.stallMs, () =>
        from.step((now) => from.core.handleStreamReply(id, answer, now)),
      );
    });
  }
}

/**
 * N node cores driven directly on the virtual clock (`--runtime core`, the default): the protocol
 * code of production without the runtime shell, transports or promises in the hot loop, so large
 * clusters simulate quickly. `--runtime memory` runs full clusters over the memory transport.
 */
export class CoreWorld extends World {
  readonly net: CoreNetwork;
  readonly network: SimNetwork;
  /**
   * One registry for every core: each member's record (name, addresses, ...) exists once, not
   * once per node that knows it.
   */
  private readonly registry: MemberRegistry;
  /** The cores, in the order of {@link nodes}. */
  private readonly cores: CoreMember[] = [];
  /** The known RTTs of a `plane` or `clusters` topology (undefined for `uniform`). */
  readonly latencyMatrix: LatencyMatrix | undefined;
  private readonly skipIdleRounds: boolean;
  /** Sees every other output of every core (queries' requests, answers and ends). */
  onOutput: ((node: SimNode, out: NodeOutput) => void) | undefined;

  /**
   * @param skipIdleRounds whether cores skip the wake-ups of gossip rounds that would change
   *   nothing (default; the run is the same either way, only faster).
   */
  constructor(options: SimOptions, { skipIdleRounds = true }: { skipIdleRounds?: boolean } = {}) {
    // Every step runs inside a synchronous timer callback: no promise chain needs settling
    // between timestamps, so the clock skips the macrotask turn it would otherwise take for each.
    super(options, { settle: null });
    const topology = options.topology ?? "uniform";
    if (topology !== "uniform") {
      this.latencyMatrix = new LatencyMatrix(topology, this.names(), options.seed);
    }
    const { seed, loss, latencyMs, streamLoss } = options;
    this.net = new CoreNetwork(this, seededRng(seed), loss, latencyMs, streamLoss !== false);
    this.network = this.net;
    this.skipIdleRounds = skipIdleRounds;
    // Every table is sized once, when the cluster converges: its columns are carved from large
    // shared buffers (each allocation of buffers costs a full garbage collection).
    this.registry = new MemberRegistry(options.seed, { arena: new ColumnArena() });
  }

  /**
   * {@link World.converge} with the member list interned once: each of the N cores then seeds
   * its N entries by copying record ids, not by looking up and comparing N names.
   */
  override converge(): void {
    const prepared = new PreparedMembers(this.registry, this.convergedMembers());
    for (const core of this.cores) core.seedMembers(prepared);
    prepared.release();
  }

  async create(): Promise<void> {
    const { seed, preset, lifeguard } = this.options;
    const config = swimConfig(preset, {
      lifeguard: { awareness: lifeguard, dynamicSuspicion: lifeguard, buddy: lifeguard },
    });
    const members: CoreMember[] = [];
    const registry = this.registry;
    for (const name of this.names()) {
      const address = `mem://${name}`;
      const core = new NodeCore({
        name,
        addresses: [address],
        links: [{ schemes: ["mem"], mtu: MTU, maxFrameBytes: MAX_FRAME_BYTES }],
        config,
        rng: seededRng(`${seed}:${name}`),
        now: this.clock.now(),
        generation: 1,
        meta: new Uint8Array(0),
        streamTimeoutMs: preset === "local" ? 5_000 : 10_000,
        memberRegistry: registry,
        skipIdleRounds: this.skipIdleRounds,
        ...sharedTuning(this.options),
      });
      let node: SimNode | undefined;
      const member = new CoreMember(core, address, this, () => node!);
      node = { name, cluster: member, crashed: false, slow: false };
      this.net.members.set(address, member);
      this.add(node);
      members.push(member);
      this.cores.push(member);
    }
    for (const m of members) m.step((now) => m.core.start(now));
  }

  /** Records an event of a node (after the step that produced it). */
  recordEvent(node: SimNode, event: ClusterEvent): void {
    this.record(node, event);
  }

  streamLoss(): { retransmits: number; timedOut: number } {
    return { retransmits: this.net.streamRetransmits, timedOut: this.net.streamsTimedOut };
  }

  traffic(): { bytes: number; messages: number } {
    const n = this.net;
    return { bytes: n.datagramBytes + n.frameBytes, messages: n.datagrams + n.frames };
  }
}
