import { createHash, type Hash } from "node:crypto";
import { Cluster, type ClusterEvent, type Member, type StatAggregate } from "@grapevine/cluster";
import type { PushPullMember } from "@grapevine/codec";
import { seededRng } from "@grapevine/protocol";
import type { SwimCounters } from "@grapevine/swim";
import { MemoryNetwork, VirtualClock, type VirtualClockOptions } from "@grapevine/transport-memory";
import type { SimOptions } from "./options.js";

/** What scenarios use of a simulated member: the same in both runtimes. */
export interface SimMember {
  readonly addresses: readonly string[];
  aliveCount(): number;
  member(name: string): Member | undefined;
  set(key: string, value: string): void;
  swimCounters(): Readonly<SwimCounters>;
  seedMembers(members: readonly PushPullMember[]): void;
  join(seeds: readonly string[]): unknown;
  shutdown(): Promise<void> | void;
  /** The cluster-scoped keyspace (as `cluster.shared`). */
  readonly shared: {
    set(key: string, value: string): void;
    delete(key: string): boolean;
    getText(key: string): string | undefined;
  };
  /** Telemetry (as `cluster.stats`). */
  readonly stats: {
    publish(name: string, value: number): void;
    aggregate(name: string): StatAggregate | undefined;
  };
}

/** What scenarios use of the network: partitions, pauses, crashes, traffic totals. */
export interface SimNetwork {
  partition(groups: readonly (readonly string[])[]): void;
  heal(): void;
  pause(node: string): void;
  resume(node: string): void;
  crash(node: string): void;
}

/** One simulated node and what the world remembers of it. */
export interface SimNode {
  readonly name: string;
  readonly cluster: SimMember;
  /** Crashed by the scenario (stops counting as live). */
  crashed: boolean;
  /** A slow node: its deliveries stall from time to time. */
  slow: boolean;
}

/** Grace of the cluster-scoped keyspace in the simulator, ms: short, so `config` can show it. */
export const SIM_SHARED_GRACE_MS = 60_000;

/** Node options the shared-keyspace scenarios change (none for the others). */
export function sharedTuning(o: SimOptions): { sharedGraceMs?: number } {
  return o.scenario === "config" ? { sharedGraceMs: SIM_SHARED_GRACE_MS } : {};
}

/** Listener for every event of every node. */
export type WorldListener = (node: SimNode, event: ClusterEvent) => void;

/**
 * N simulated nodes on one virtual clock, whichever runtime drives them. Every event of every
 * node goes into a running hash, so two runs with one seed can be compared by one string.
 */
export abstract class World {
  readonly clock: VirtualClock;
  abstract readonly network: SimNetwork;
  readonly nodes: SimNode[] = [];
  protected readonly byName = new Map<string, SimNode>();
  private readonly hash: Hash = createHash("sha256");
  private readonly listeners: WorldListener[] = [];
  private readonly stallRng;
  eventCount = 0;

  /**
   * @param clockOptions how the virtual clock settles promise chains between timestamps: a
   *   runtime driven only by synchronous timer callbacks passes `{ settle: null }`.
   */
  constructor(
    readonly options: SimOptions,
    clockOptions: VirtualClockOptions = {},
  ) {
    this.clock = new VirtualClock(clockOptions);
    this.stallRng = seededRng(`${options.seed}:stalls`);
  }

  /** Creates and starts the nodes (not yet joined). */
  abstract create(): Promise<void>;

  /** Bytes and messages sent by all nodes so far (datagrams and stream frames). */
  abstract traffic(): { bytes: number; messages: number };

  /**
   * Stream segments retransmitted after a loss, and stream connections that gave up
   * retransmitting, so far (both 0 without `--loss`).
   */
  abstract streamLoss(): { retransmits: number; timedOut: number };

  /** Adds a node made by a runtime. */
  protected add(node: SimNode): void {
    this.nodes.push(node);
    this.byName.set(node.name, node);
  }

  /** Node names n0…n{N−1}, zero-padded to one width. */
  protected names(): string[] {
    const count = this.options.nodes;
    const width = String(count - 1).length;
    return Array.from({ length: count }, (_, i) => `n${String(i).padStart(width, "0")}`);
  }

  /** Adds a listener for every event of every node. */
  onEvent(listener: WorldListener): void {
    this.listeners.push(listener);
  }

  /** Looks a node up by name. */
  node(name: string): SimNode {
    const n = this.byName.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Nodes not crashed. */
  live(): SimNode[] {
    return this.nodes.filter((n) => !n.crashed);
  }

  /** Every node joins through the first three (the join scenario). */
  joinThroughSeeds(): void {
    const seeds = this.nodes.slice(0, 3).map((n) => n.cluster.addresses[0]!);
    for (const n of this.nodes.slice(1)) void n.cluster.join(seeds);
  }

  /**
   * Starts from a converged cluster: every node is handed the full member list, as a completed
   * push-pull would, without simulating N joins (scenarios that begin "in a converged cluster").
   */
  converge(): void {
    const members = this.convergedMembers();
    for (const n of this.nodes) n.cluster.seedMembers(members);
  }

  /** Every node as a converged member list holds it: alive, incarnation 0, generation 1. */
  protected convergedMembers(): PushPullMember[] {
    return this.nodes.map((n) => ({
      name: n.name,
      incarnation: 0n,
      generation: 1,
      status: "alive",
      addresses: n.cluster.addresses,
      meta: new Uint8Array(0),
    }));
  }

  /** Marks a fraction of nodes slow: their message handling stalls now and then. */
  makeSlow(fraction: number): void {
    const count = Math.round(this.nodes.length * fraction);
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(this.stallRng.next() * this.nodes.length));
    for (const i of picked) {
      const node = this.nodes[i]!;
      node.slow = true;
      this.scheduleStall(node);
    }
  }

  /**
   * An overloaded process: runs for 1–5 s, then handles nothing for 0.3–1.5 s (longer than the
   * LAN probe timeout), then catches up on everything that queued meanwhile.
   */
  private scheduleStall(node: SimNode): void {
    const runFor = 1000 + this.stallRng.next() * 4000;
    this.clock.setTimeout(() => {
      if (node.crashed) return;
      this.network.pause(node.name);
      const stallFor = 300 + this.stallRng.next() * 1200;
      this.clock.setTimeout(() => {
        if (node.crashed) return;
        this.network.resume(node.name);
        this.scheduleStall(node);
      }, stallFor);
    }, runFor);
  }

  /** Crashes a node: no leave, its transport vanishes. */
  async crash(node: SimNode): Promise<void> {
    node.crashed = true;
    this.network.crash(node.name);
    await node.cluster.shutdown();
  }

  /** Runs virtual time until `done()` holds (checked every `stepMs`) or `limitMs` passes. */
  async runUntil(
    done: () => boolean,
    limitMs: number,
    stepMs: number,
    progress?: (fraction: number) => void,
  ): Promise<number | undefined> {
    const start = this.clock.now();
    for (;;) {
      if (done()) return this.clock.now() - start;
      const elapsed = this.clock.now() - start;
      if (elapsed >= limitMs) return undefined;
      progress?.(elapsed / limitMs);
      await this.clock.runFor(Math.min(stepMs, limitMs - elapsed));
    }
  }

  /** Runs virtual time for `ms`, reporting progress. */
  async runFor(ms: number, stepMs: number, progress?: (fraction: number) => void): Promise<void> {
    await this.runUntil(() => false, ms, stepMs, progress);
  }

  protected record(node: SimNode, event: ClusterEvent): void {
    this.eventCount += 1;
    this.hash.update(`${this.clock.now().toFixed(3)} ${node.name} ${describe(event)}\n`);
    for (const l of this.listeners) l(node, event);
  }

  /** Hash of every event of every node so far (same seed ⇒ same hash). */
  runHash(): string {
    return this.hash.copy().digest("hex").slice(0, 16);
  }

  /** Stops every node. */
  async shutdown(): Promise<void> {
    for (const n of this.nodes) if (!n.crashed) await n.cluster.shutdown();
  }
}

/**
 * N real `@grapevine/cluster` nodes on one memory network: the same code as production, runtime
 * shell and transport included, on simulated time.
 */
export class MemoryWorld extends World {
  readonly network: MemoryNetwork;

  constructor(options: SimOptions) {
    super(options);
    this.network = new MemoryNetwork({
      clock: this.clock,
      rng: seededRng(options.seed),
      latency: { meanMs: options.latencyMs, jitterMs: options.latencyMs / 2 },
      loss: options.loss,
      // Push-pull frames of a 10,000-member cluster are large; the stream channel allows them.
      maxFrameBytes: 16 * 1024 * 1024,
      receiveQueueLimit: 65_536,
    });
  }

  /** Creates and starts the nodes (not yet joined). */
  async create(): Promise<void> {
    const { seed, preset, lifeguard } = this.options;
    const clusters: Cluster[] = [];
    for (const name of this.names()) {
      const transport = await this.network.bind(`mem://${name}`);
      const cluster = Cluster.create({
        name,
        transports: [transport],
        clock: this.clock,
        rng: seededRng(`${seed}:${name}`),
        generation: 1,
        preset,
        ...sharedTuning(this.options),
        swim: {
          lifeguard: { awareness: lifeguard, dynamicSuspicion: lifeguard, buddy: lifeguard },
        },
      });
      const node: SimNode = { name, cluster, crashed: false, slow: false };
      cluster.on("*", (event) => this.record(node, event));
      this.add(node);
      clusters.push(cluster);
    }
    for (const c of clusters) await c.start();
  }

  streamLoss(): { retransmits: number; timedOut: number } {
    const c = this.network.counters();
    return { retransmits: c.streamRetransmits, timedOut: c.streamsTimedOut };
  }

  /** Bytes and messages sent by all nodes so far (datagrams and stream frames). */
  traffic(): { bytes: number; messages: number } {
    const c = this.network.counters();
    return {
      bytes: c.datagramBytesSent + c.frameBytesSent,
      messages: c.datagramsSent + c.framesSent,
    };
  }
}

function describe(e: ClusterEvent): string {
  switch (e.type) {
    case "key-changed":
      return `key ${e.owner}/${e.key}@${e.version}${e.newValue ? "" : " deleted"}`;
    case "user-message":
      return `user ${e.from} ${e.name}`;
    case "health-changed":
      return `health ${e.state}`;
    case "shared-changed":
      return `shared ${e.key} by ${e.writer}${e.newValue ? "" : " deleted"}`;
    default:
      return `${e.type} ${e.member.name} ${e.member.incarnation}`;
  }
}
