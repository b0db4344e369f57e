/**
 * A tiny in-memory network on a virtual clock for driving several Swim instances in tests: it
 * plays the runtime's part (delivers `send` outputs with latency, loss and per-link rules,
 * performs push-pull exchanges and stream probes, optionally runs gossip rounds) and calls
 * `tick` exactly at each instance's `nextWakeAt`. Deterministic: the network draws from its own
 * seeded generator and every instance from one derived from the harness seed.
 */
import { createHash } from "node:crypto";
import type { Message } from "@grapevine/codec";
import { type Rng, schemeOf, seededRng } from "@grapevine/protocol";
import { type MemberChange, Swim, type SwimConfig, swimConfig, TimerSet } from "../src/index.js";

/** One node of the simulated cluster. */
export interface SimNode {
  readonly name: string;
  readonly addresses: readonly string[];
  swim: Swim;
  up: boolean;
}

/** A packet in flight. */
export interface Packet {
  readonly from: string;
  readonly fromAddress: string;
  readonly to: string;
  readonly toNode: string | undefined;
  readonly messages: readonly Message[];
  /** How many of `messages`, at the end, are piggy-backed broadcasts. */
  readonly piggybacked: number;
  readonly sentAt: number;
}

/**
 * A link rule sees each packet and the delay it has so far; it returns a new delay (ms) or
 * undefined to drop the packet. Rules apply in order.
 */
export type LinkRule = (packet: Packet, delayMs: number, rng: Rng) => number | undefined;

/** Harness-wide settings. */
export interface HarnessOptions {
  readonly seed: number;
  readonly config?: SwimConfig;
  /** One-way latency, ms (default 2). */
  readonly latencyMs?: number;
  /** Packet size for piggy-backing, bytes (default 1400). */
  readonly budgetBytes?: number;
  /** Run gossip rounds at config.gossipIntervalMs to config.gossipFanout members (default false). */
  readonly gossip?: boolean;
  /** Answer stream-probe outputs (default true). */
  readonly streamProbes?: boolean;
  /** Keep a text log of every delivered packet and event (default false). */
  readonly log?: boolean;
}

/** Specification of a node to add. */
export interface NodeSpec {
  readonly name: string;
  /** Default: [`mem://<name>`]. */
  readonly addresses?: readonly string[];
  readonly generation?: number;
  readonly incarnation?: bigint;
  readonly meta?: Uint8Array;
  readonly config?: SwimConfig;
}

/** A recorded membership event. */
export interface RecordedEvent {
  readonly node: string;
  readonly event: MemberChange;
}

/** A rough encoded size: enough for piggy-back budgeting in tests. */
export function approximateSize(message: Message): number {
  switch (message.type) {
    case "alive":
      return (
        12 +
        message.name.length +
        message.meta.length +
        message.addresses.reduce((n, a) => n + a.length + 2, 0)
      );
    case "suspect":
    case "dead":
      return 12 + message.name.length + message.from.length;
    default:
      return 32;
  }
}

export class Harness {
  now = 0;
  readonly nodes = new Map<string, SimNode>();
  readonly events: RecordedEvent[] = [];
  readonly log: string[] = [];
  /** Link rules applied to every packet. */
  readonly rules: LinkRule[] = [];
  /** Called for every packet sent (before rules), e.g. to count transmissions. */
  onPacket: ((packet: Packet) => void) | undefined = undefined;
  /** Called after every node's outputs are processed. */
  onEvent: ((node: string, event: MemberChange) => void) | undefined = undefined;
  packetsSent = 0;
  /** Packets a node tried to send to an address whose scheme it does not have itself. */
  schemeViolations = 0;

  readonly config: SwimConfig;
  private readonly seed: number;
  private readonly latencyMs: number;
  private readonly budgetBytes: number;
  private readonly gossip: boolean;
  private readonly streamProbes: boolean;
  private readonly keepLog: boolean;
  private readonly netRng: Rng;
  private readonly byAddress = new Map<string, SimNode>();
  /** Deliveries and scheduled actions: swim's own timer heap (same instant ⇒ set order). */
  private readonly pending = new TimerSet<() => void>();
  private nodeCount = 0;

  constructor(options: HarnessOptions) {
    this.seed = options.seed;
    this.config = options.config ?? swimConfig("lan");
    this.latencyMs = options.latencyMs ?? 2;
    this.budgetBytes = options.budgetBytes ?? 1400;
    this.gossip = options.gossip ?? false;
    this.streamProbes = options.streamProbes ?? true;
    this.keepLog = options.log ?? false;
    this.netRng = seededRng(options.seed ^ 0x5eed);
  }

  /** Add and start a node now. */
  add(spec: NodeSpec): SimNode {
    const addresses = spec.addresses ?? [`mem://${spec.name}`];
    const swim = this.createSwim(spec, addresses);
    const node: SimNode = { name: spec.name, addresses, swim, up: true };
    this.nodes.set(spec.name, node);
    for (const address of addresses) this.byAddress.set(address, node);
    if (this.gossip) this.scheduleGossip(node, swim);
    this.flush(node);
    return node;
  }

  /** Add `count` nodes named n0…n(count−1). */
  addMany(count: number, spec: Partial<NodeSpec> = {}): SimNode[] {
    const added: SimNode[] = [];
    for (let i = 0; i < count; i++) added.push(this.add({ ...spec, name: `n${i}` }));
    return added;
  }

  /** Give every up node the full member list of every other (as after push-pulls). */
  bootstrap(): void {
    const all = [...this.nodes.values()].filter((n) => n.up);
    const lists = all.map((n) => n.swim.localMembers());
    for (const node of all) {
      for (const list of lists) node.swim.mergeRemote(list, this.now);
      this.flush(node);
    }
  }

  /** The node stops: it sends and answers nothing from now on. */
  crash(name: string): void {
    this.node(name).up = false;
  }

  /** Replace a node's process: a fresh Swim under the same name, e.g. with a new generation. */
  restart(spec: NodeSpec): SimNode {
    const old = this.node(spec.name);
    for (const address of old.addresses) this.byAddress.delete(address);
    old.up = false;
    this.nodes.delete(spec.name);
    return this.add(spec);
  }

  node(name: string): SimNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** Run the cluster until virtual time `until` (ms). */
  runUntil(until: number): void {
    for (;;) {
      const nextPending = this.pending.nextAt();
      let nextWake = Number.POSITIVE_INFINITY;
      for (const node of this.nodes.values()) {
        if (!node.up) continue;
        const wake = node.swim.nextWakeAt();
        if (wake < nextWake) nextWake = wake;
      }
      const next = Math.min(nextPending, nextWake);
      if (next > until) break;
      this.now = Math.max(this.now, next);
      if (nextPending <= nextWake) {
        this.pending.popDue(this.now)!();
      } else {
        for (const node of this.nodes.values()) {
          if (node.up && node.swim.nextWakeAt() <= this.now) {
            node.swim.tick(this.now);
            this.flush(node);
          }
        }
      }
    }
    this.now = Math.max(this.now, until);
  }

  /** Run for `ms` more. */
  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Schedule `run` at virtual time `at`. */
  at(at: number, run: () => void): void {
    this.pending.schedule(at, run);
  }

  /** Events seen by `node` (all nodes when omitted), optionally of one type about one member. */
  eventsOf(filter: { node?: string; type?: string; about?: string } = {}): RecordedEvent[] {
    return this.events.filter(
      (e) =>
        (filter.node === undefined || e.node === filter.node) &&
        (filter.type === undefined || e.event.type === filter.type) &&
        (filter.about === undefined || e.event.member.name === filter.about),
    );
  }

  /** Hash of the log (requires `log: true`). */
  logHash(): string {
    const hash = createHash("sha256");
    for (const line of this.log) hash.update(line).update("\n");
    return hash.digest("hex");
  }

  /** Process everything `node` has produced. Call after driving a node's Swim by hand. */
  flush(node: SimNode): void {
    const swim = node.swim;
    for (const output of swim.drain()) {
      switch (output.kind) {
        case "send": {
          const used = output.messages.reduce((n, m) => n + approximateSize(m), 0);
          const extra = swim.piggyback(this.budgetBytes - used, approximateSize, this.now);
          this.send(node, output.to, [...output.messages, ...extra], extra.length);
          break;
        }
        case "stream-probe":
          this.streamProbe(node, output.to, output.seq, output.deadlineAt);
          break;
        case "push-pull":
          this.pushPull(node, output.to);
          break;
        case "event":
          this.events.push({ node: node.name, event: output.event });
          if (this.keepLog) {
            const e = output.event;
            this.log.push(
              `${this.now} ${node.name} event ${e.type} ${e.member.name} ${e.member.incarnation} ${e.member.status}`,
            );
          }
          this.onEvent?.(node.name, output.event);
          break;
      }
    }
  }

  private createSwim(spec: NodeSpec, addresses: readonly string[]): Swim {
    this.nodeCount += 1;
    return new Swim({
      config: spec.config ?? this.config,
      self: {
        name: spec.name,
        addresses,
        meta: spec.meta ?? new Uint8Array(0),
        generation: spec.generation ?? 0,
        ...(spec.incarnation === undefined ? {} : { incarnation: spec.incarnation }),
      },
      rng: seededRng((this.seed * 7919 + this.nodeCount * 104729) >>> 0),
      now: this.now,
    });
  }

  private scheduleGossip(node: SimNode, swim: Swim): void {
    const interval = swim.config.gossipIntervalMs;
    const round = (): void => {
      if (node.swim !== swim || !node.up) return;
      for (const to of swim.gossipTargets(swim.config.gossipFanout, this.now)) {
        const messages = swim.piggyback(this.budgetBytes, approximateSize, this.now);
        if (messages.length === 0) break;
        this.send(node, to, messages, messages.length);
      }
      this.at(this.now + interval, round);
    };
    this.at(this.now + interval, round);
  }

  private fromAddress(node: SimNode, to: string): string | undefined {
    const scheme = schemeOf(to);
    return node.addresses.find((a) => schemeOf(a) === scheme);
  }

  private linkDelay(packet: Packet): number | undefined {
    let delay: number | undefined = this.latencyMs;
    for (const rule of this.rules) {
      delay = rule(packet, delay, this.netRng);
      if (delay === undefined) return undefined;
    }
    return delay;
  }

  /**
   * The packet `node` sends to `to` now, or `undefined` (a scheme violation, counted) when it has
   * no address of that scheme: a real node has no transport for it, and the packet cannot leave.
   */
  private packetFrom(
    node: SimNode,
    to: string,
    messages: readonly Message[],
    piggybacked: number,
  ): Packet | undefined {
    const fromAddress = this.fromAddress(node, to);
    if (fromAddress === undefined) {
      this.schemeViolations += 1;
      return undefined;
    }
    const toNode = this.byAddress.get(to)?.name;
    return { from: node.name, fromAddress, to, toNode, messages, piggybacked, sentAt: this.now };
  }

  private send(node: SimNode, to: string, messages: readonly Message[], piggybacked: number): void {
    const dest = this.byAddress.get(to);
    const packet = this.packetFrom(node, to, messages, piggybacked);
    if (packet === undefined) return;
    this.packetsSent += 1;
    this.onPacket?.(packet);
    if (dest === undefined) return;
    const delay = this.linkDelay(packet);
    if (delay === undefined) return;
    this.at(this.now + delay, () => {
      if (!dest.up || this.byAddress.get(to) !== dest) return;
      if (this.keepLog) {
        this.log.push(`${this.now} ${packet.from}->${dest.name} ${stringify(messages)}`);
      }
      for (const message of messages) dest.swim.handle(packet.fromAddress, message, this.now);
      this.flush(dest);
    });
  }

  private streamProbe(node: SimNode, to: string, seq: number, deadlineAt: number): void {
    if (!this.streamProbes) return;
    const swim = node.swim;
    const dest = this.byAddress.get(to);
    const probe = this.packetFrom(node, to, [], 0);
    if (probe === undefined) return;
    const fromAddress = probe.fromAddress;
    const there = dest?.up ? this.linkDelay(probe) : undefined;
    const back =
      dest !== undefined && there !== undefined
        ? this.linkDelay({ ...probe, from: dest.name, to: fromAddress, toNode: node.name })
        : undefined;
    const acked = there !== undefined && back !== undefined;
    const at = acked ? Math.min(this.now + there + back, deadlineAt) : deadlineAt;
    const inTime = acked && this.now + there + back < deadlineAt;
    this.at(at, () => {
      if (node.swim !== swim || !node.up) return;
      swim.streamProbeResult(seq, inTime, this.now);
      this.flush(node);
    });
  }

  private pushPull(node: SimNode, to: string): void {
    const swim = node.swim;
    if (this.fromAddress(node, to) === undefined) {
      this.schemeViolations += 1;
      return;
    }
    const dest = this.byAddress.get(to);
    if (dest === undefined || !dest.up) {
      this.at(this.now + 10 * this.latencyMs, () => {
        if (node.swim !== swim || !node.up) return;
        swim.pushPullFailed(to, this.now);
        this.flush(node);
      });
      return;
    }
    const mine = swim.localMembers();
    this.at(this.now + this.latencyMs, () => {
      if (!dest.up) return;
      dest.swim.mergeRemote(mine, this.now);
      const theirs = dest.swim.localMembers();
      this.flush(dest);
      this.at(this.now + this.latencyMs, () => {
        if (node.swim !== swim || !node.up) return;
        swim.mergeRemote(theirs, this.now);
        this.flush(node);
      });
    });
  }
}

/** JSON with bigints and byte arrays spelled out, for logs and hashes. */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) return Array.from(v);
    return v;
  });
}
