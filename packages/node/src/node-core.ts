import type { PushPullMember } from "@grapevine/codec";
import {
  ClusterState,
  DEFAULT_DEAD_OWNER_GRACE_MS,
  DEFAULT_TOMBSTONE_GRACE_MS,
  type LocalSnapshot,
} from "@grapevine/state";
import {
  type Rng,
  type SeedList,
  Swim,
  type SwimConfig,
  type SwimOutput,
  TimerSet,
} from "@grapevine/swim";
import { AntiEntropy } from "./anti-entropy.js";
import { ClusterScoped } from "./cluster-scoped.js";
import { Coordinates } from "./coordinates.js";
import { PeriodicWork, type CoreTask as Task } from "./core-tasks.js";
import { emptyNodeCounters, type NodeCounters } from "./counters.js";
import { Dissemination } from "./dissemination.js";
import { type ClusterEvent, type Member, toMember } from "./events.js";
import { ForceLeave } from "./force-leave.js";
import { GossipRounds } from "./gossip-rounds.js";
import { Inbox } from "./inbox.js";
import { HealthJudge, type HealthState } from "./isolation.js";
import { Leaving } from "./leaving.js";
import { checkSize, checkText, type InputLimits, inputLimits } from "./limits.js";
import { followMemberEvent, type MemberFollowHost } from "./member-follow.js";
import type { NodeCoreOptions, ResolvedTiming } from "./options.js";
import { resolveTiming } from "./options.js";
import { Outbox } from "./outbox.js";
import type { NodeOutput } from "./outputs.js";
import { PacketBuilder } from "./packet-builder.js";
import { seedConverged } from "./push-pull.js";
import { Queries } from "./queries.js";
import type { QueryRequest, QueryTicket } from "./query-options.js";
import { Reconnect } from "./reconnect.js";
import { StateSync } from "./state-sync.js";
import { StreamWork } from "./stream-work.js";
import { UserMessages } from "./user-messages.js";

/** Where the node is in its life, as the core sees it. */
export type NodeCoreStatus = "created" | "running" | "leaving" | "stopped";

/**
 * One cluster member's whole protocol as a sans-IO state machine: SWIM + Lifeguard (`Swim`), the
 * scuttlebutt state store (`ClusterState`), infection-style dissemination of state and user
 * messages, anti-entropy, push-pull, reconnection of failed members, joins and leaves.
 *
 * It never reads a clock, draws from a global random source, sets a timer or touches a socket
 * (foca's shape): every entry point is synchronous and takes `now` (ms); randomness comes from the
 * injected `Rng`; what it wants done is drained with {@link drain} as plain data
 * ({@link NodeOutput}); it wants to be called again at {@link nextWakeAt}. Packets are encoded here
 * and sealed by the runtime; input is decoded here after the runtime opened it.
 */
export class NodeCore {
  /** This member's name. */
  readonly name: string;
  /** Effective failure-detector and gossip settings. */
  readonly config: SwimConfig;
  /** Running totals (packets, bytes, drops by reason, rounds, ...). */
  readonly counters: NodeCounters = emptyNodeCounters();
  /** Timing settings in force. */
  readonly timing: ResolvedTiming;
  /** Cluster-scoped keys (`scoped.shared`) and telemetry (`scoped.stats`), `now` passed in. */
  readonly scoped: ClusterScoped;

  private readonly swim: Swim;
  private readonly state: ClusterState;
  private readonly rng: Rng;
  private readonly addresses: readonly string[];
  private readonly outbox: Outbox;
  private readonly streams: StreamWork;
  private readonly inbox: Inbox;
  private readonly dissemination: Dissemination;
  private readonly reconnect: Reconnect;
  private readonly follow: MemberFollowHost;
  private readonly userMessages = new UserMessages();
  private readonly schedule = new TimerSet<Task>();
  private readonly stateSync: StateSync;
  private readonly antiEntropy: AntiEntropy;
  private readonly health_: HealthJudge;
  /** The gossip rounds (read-only use: when a skipped round is due, for a simulator's clock). */
  readonly gossipRounds: GossipRounds<Task>;
  private readonly periodic: PeriodicWork;
  private readonly leaving: Leaving;
  private readonly queries: Queries;
  private readonly forceLeaves: ForceLeave;
  /** Network coordinates: ours, the members', RTT estimates (Vivaldi, Serf's design). */
  readonly coordinates: Coordinates;
  private statusValue: NodeCoreStatus = "created";

  /** The sizes this member accepts for its own input (name, metadata, keys, values), bytes. */
  readonly limits: InputLimits;

  constructor(options: NodeCoreOptions) {
    this.limits = inputLimits(options);
    this.name = options.name;
    this.config = options.config;
    this.rng = options.rng;
    this.addresses = options.addresses.slice();
    const label = options.label ?? "";
    this.timing = resolveTiming(options);
    const builder = new PacketBuilder(label, options.sealOverhead ?? 0);
    this.dissemination = new Dissemination(options.config.broadcastQueueLimit);
    this.swim = new Swim({
      config: options.config,
      self: {
        ...{ name: options.name, addresses: this.addresses, meta: options.meta },
        ...{ generation: options.generation, sendSchemes: options.links.flatMap((l) => l.schemes) },
        ...(options.initialIncarnation ? { incarnation: options.initialIncarnation } : {}),
      },
      rng: options.rng,
      now: options.now,
      hashSeed: options.hashSeed ?? 0,
      broadcasts: this.dissemination.queue,
      ...(options.memberRegistry ? { registry: options.memberRegistry } : {}),
    });
    const tombstoneGraceMs = options.tombstoneGraceMs ?? DEFAULT_TOMBSTONE_GRACE_MS;
    const deadOwnerGraceMs = options.deadOwnerGraceMs ?? DEFAULT_DEAD_OWNER_GRACE_MS;
    this.state = new ClusterState({
      ...{ self: options.name, generation: options.generation, rng: options.rng },
      ...{ tombstoneGraceMs, deadOwnerGraceMs },
      limits: { maxKeyBytes: this.limits.maxKeyBytes, maxValueBytes: this.limits.maxValueBytes },
    });
    this.reconnect = new Reconnect(this.timing.reconnectTimeoutMs);
    this.health_ = HealthJudge.create(options.now, options.config, options.isolationWindowMs);
    const smallestMtu = Math.min(...options.links.map((link) => link.mtu));
    this.stateSync = new StateSync({
      ...{ state: this.state, dissemination: this.dissemination, counters: this.counters },
      deltaBudget: builder.stateDeltaBudget(smallestMtu, this.name, this.addresses),
      graceMs: Math.min(tombstoneGraceMs, deadOwnerGraceMs),
      emit: (event) => this.emit(event),
      scheduleTick: (at) => this.schedule.schedule(at, { kind: "state-tick", at }),
    });
    this.outbox = new Outbox(options.links, builder, this.swim, this.dissemination, this.counters);
    this.antiEntropy = AntiEntropy.attach(this.outbox, this.state, options, this.timing);
    this.coordinates = Coordinates.attach(this.outbox, options);
    this.leaving = new Leaving(this.swim, this.outbox, options.config.gossipIntervalMs, (at) =>
      this.schedule.schedule(at, { kind: "leave-check" }),
    );
    const round = (at: number) => this.outbox.gossipRound(options.config.gossipFanout, at);
    this.gossipRounds = new GossipRounds<Task>(this.schedule, { kind: "gossip" }, options, {
      idle: (at) => this.dissemination.size === 0 && !this.health_.turnsAt(at, this.swim),
      idleRule: () => this.health_.idleRule(this.dissemination.size > 0, this.swim),
      // A skipped round still marks the time of the last round (news is passed on by it).
      replayed: (at) => {
        round(at);
        this.judgeHealth(at);
      },
      round,
    });
    this.periodic = new PeriodicWork({
      ...{ schedule: this.schedule, timing: this.timing, gossipRounds: this.gossipRounds },
      ...{ antiEntropy: this.antiEntropy, gossipIntervalMs: options.config.gossipIntervalMs },
      running: () => this.statusValue === "running",
    });
    const shared = {
      ...{ name: this.name, addresses: this.addresses, swim: this.swim, outbox: this.outbox },
      ...{ dissemination: this.dissemination, counters: this.counters },
    };
    this.queries = new Queries(shared, options);
    this.forceLeaves = new ForceLeave(shared);
    // What the inbox and the stream work share of the core.
    const parts = {
      ...shared,
      ...{ label, timing: this.timing, state: this.state, stateSync: this.stateSync },
      ...{ userMessages: this.userMessages, queries: this.queries, forceLeave: this.forceLeaves },
      ...{ antiEntropy: this.antiEntropy, coordinates: this.coordinates },
      emit: (event: ClusterEvent) => this.emit(event),
    };
    this.scoped = new ClusterScoped(options, parts);
    this.follow = { ...parts, reconnect: this.reconnect };
    this.inbox = new Inbox({ ...parts, shared: this.scoped.shared });
    this.streams = new StreamWork({
      ...parts,
      shared: this.scoped.shared,
      deadline: (at, id) => this.schedule.schedule(at, { kind: "stream-deadline", id }),
      mergePushPull: (members, delta, now) => this.inbox.mergePushPull(members, delta, now),
    });
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────────────────────

  /** Where the node is in its life. */
  get status(): NodeCoreStatus {
    return this.statusValue;
  }

  /**
   * Starts the periodic work (gossip, anti-entropy, reconnect), each at a random point of its
   * first period so that members started together do not act in lockstep.
   */
  start(now: number): void {
    if (this.statusValue !== "created") return;
    this.statusValue = "running";
    this.periodic.start(now, this.rng);
    this.pump(now);
  }

  /**
   * Joins through seed addresses: a push-pull with each seed we share a transport with, and our
   * `alive` to each. Returns a token; a `join-done` output with it reports how many seeds answered,
   * once all have answered or failed, or at `now + timeoutMs`.
   */
  join(seeds: readonly string[], now: number, timeoutMs = this.timing.streamTimeoutMs): number {
    this.periodic.catchUp(now);
    const mine = new Set(this.addresses);
    const targets = [...new Set(seeds)].filter((s) => !mine.has(s));
    const ask = (): void => {
      this.swim.join(targets, now);
      this.pump(now);
    };
    return this.streams.join(
      targets.length > 0 && this.statusValue === "running" ? ask : null,
      (token) => this.schedule.schedule(now + timeoutMs, { kind: "join-deadline", token }),
    );
  }

  /**
   * Leaves gracefully: a `dead` notice about ourselves at a higher incarnation (peers report
   * "left"), gossiped until it has been sent its retransmit-limit times or `timeoutMs` passes;
   * then a `leave-done` output.
   */
  leave(now: number, timeoutMs = this.timing.leaveTimeoutMs): void {
    this.periodic.catchUp(now);
    if (this.statusValue !== "running") return;
    this.statusValue = "leaving";
    this.swim.leave(now);
    this.leaving.begin(now, timeoutMs);
    this.pump(now);
  }

  /** Stops: every later input is ignored and nothing more is produced. */
  stop(): void {
    this.statusValue = "stopped";
    this.outbox.outputs = [];
  }

  /** Stops, and hands the member table's records back to a shared `memberRegistry`. */
  dispose(): void {
    this.stop();
    this.swim.dispose();
  }

  // ── the step functions ─────────────────────────────────────────────────────────────────────

  /** A datagram (opened, not sealed) from the address URL `from`. */
  handleDatagram(from: string, bytes: Uint8Array, now: number): void {
    if (!this.enter(now)) return;
    this.inbox.datagram(from, bytes, now);
    this.pump(now);
  }

  /**
   * A request frame (opened) arriving on a stream accepted from `from`. Returns the reply frame to
   * write back (not yet sealed), or `undefined` to close the stream without one.
   */
  handleStreamFrame(from: string, bytes: Uint8Array, now: number): Uint8Array | undefined {
    if (!this.enter(now)) return undefined;
    const reply = this.inbox.streamFrame(from, bytes, now);
    this.pump(now);
    return reply;
  }

  /** The reply (opened) to the stream exchange `id`, or `undefined` when the exchange failed. */
  handleStreamReply(id: number, bytes: Uint8Array | undefined, now: number): void {
    if (!this.streams.isOpen(id) || this.statusValue === "stopped") return;
    this.periodic.catchUp(now);
    const messages = bytes === undefined ? undefined : this.inbox.decodeFrame(bytes);
    this.inbox.guard(() => this.streams.settle(id, messages, now));
    this.pump(now);
  }

  /** Runs everything due at `now`. */
  tick(now: number): void {
    if (!this.enter(now)) return;
    this.inbox.guard(() => this.swim.tick(now));
    this.inbox.guard(() => this.queries.tick(now));
    for (let task = this.schedule.popDue(now); task; task = this.schedule.popDue(now)) {
      const due = task;
      this.inbox.guard(() => this.runTask(due, now));
    }
    this.pump(now);
  }

  /** When the core next wants {@link tick} called, ms (Infinity: never). */
  nextWakeAt(): number {
    if (this.statusValue === "stopped" || this.statusValue === "created") {
      return Infinity;
    }
    return Math.min(this.swim.nextWakeAt(), this.periodic.nextAt(), this.queries.nextWakeAt());
  }

  /** Everything produced since the last call, oldest first. */
  drain(): NodeOutput[] {
    const outputs = this.outbox.outputs;
    this.outbox.outputs = [];
    return outputs;
  }

  // ── local changes ──────────────────────────────────────────────────────────────────────────

  /** Sets one of our keys. Throws a {@link LimitError} (and changes nothing) over the limits. */
  set(key: string, value: Uint8Array, now: number): void {
    this.local(now, () => {
      checkText("key", key, this.limits.maxKeyBytes);
      checkSize("value", value.byteLength, this.limits.maxValueBytes);
      const change = this.state.set(key, value, now);
      if (change) this.stateSync.localChange(change, now);
    });
  }

  /** Deletes one of our keys. Returns whether it existed. */
  delete(key: string, now: number): boolean {
    return this.local(now, () => {
      const change = this.state.delete(key, now);
      if (change) this.stateSync.localChange(change, now);
      return change !== null;
    });
  }

  /**
   * Replaces our metadata and spreads it. Throws a {@link LimitError} naming `field` (tags when
   * they were encoded into it) over the metadata limit.
   */
  setMeta(meta: Uint8Array, now: number, field: "meta" | "tags" = "meta"): void {
    this.local(now, () => {
      checkSize(field, meta.byteLength, this.limits.maxMetaBytes);
      this.swim.setMeta(meta, now);
    });
  }

  /** Broadcasts an application message to every member (best effort, infection-style). */
  broadcast(name: string, payload: Uint8Array, now: number, coalesce = false): void {
    const message = this.userMessages.create(this.name, name, payload, coalesce);
    this.local(now, () =>
      this.dissemination.enqueueUser(this.userMessages.own(message, now), message),
    );
  }

  /** Sends a query (Serf's); throws on a bad option or over the size limit. See {@link Queries}. */
  query(request: QueryRequest, now: number): QueryTicket {
    return this.local(now, () => this.queries.start(request, now));
  }

  /** Answers the `query-request` output `token`; false when too late. See {@link Queries.respond}. */
  respondQuery(token: string, payload: Uint8Array, now: number): boolean {
    const sent = this.enter(now) && this.queries.respond(token, payload, now);
    this.pump(now);
    return sent;
  }

  /** Moves a failed member to `left` everywhere (`prune`: forgotten). See {@link ForceLeave}. */
  forceLeave(name: string, prune: boolean, now: number): void {
    this.local(now, () => this.forceLeaves.start(name, prune, now));
  }

  /** Restores our keys from a snapshot of an earlier run, in this run's generation. */
  restore(snapshot: LocalSnapshot, now: number): void {
    this.local(now, () => this.stateSync.restored(snapshot, now));
  }

  /**
   * Takes a converged member list as a completed push-pull would, with no events and no gossip
   * (simulations and tests that start from a converged cluster).
   */
  seed(members: readonly PushPullMember[] | SeedList, now: number): void {
    this.local(now, () => seedConverged(this.swim, this.state, members, now));
  }

  // ── reads ──────────────────────────────────────────────────────────────────────────────────

  /** Every member known, ourselves included. */
  members(): Member[] {
    return this.swim.members().map((m) => this.health_.view(toMember(m, this.name)));
  }

  /** One member by name. */
  member(name: string): Member | undefined {
    const m = this.swim.member(name);
    return m ? this.health_.view(toMember(m, this.name)) : undefined;
  }

  /** Members alive or suspect, ourselves included. */
  aliveCount(): number {
    return this.swim.aliveCount();
  }

  /** This node's judgement of its own situation: healthy, degraded or isolated. */
  healthState(): HealthState {
    return this.health_.state;
  }

  /** Lifeguard local health score (0 is healthy). */
  health(): number {
    return this.swim.health();
  }

  /** The failure detector (read-only use: counters, views). */
  get detector(): Swim {
    return this.swim;
  }

  /** The state store (read-only use: keys, owners, counters, snapshots). */
  get store(): ClusterState {
    return this.state;
  }

  /** Broadcasts waiting: membership updates, and state deltas plus user messages. */
  queueDepth(): { membership: number; state: number } {
    return this.dissemination.depth();
  }

  // ── inside a step ──────────────────────────────────────────────────────────────────────────

  /** Turns swim's outputs into the core's, until swim has nothing more to say. */
  private pump(now: number): void {
    if (this.statusValue === "stopped") return;
    this.stateSync.reannounceIfRefuted();
    this.judgeHealth(now);
    this.scoped.afterStep(now, this.health_.state !== "isolated", this.statusValue === "running");
    for (let round = 0; round < 16; round++) {
      const outputs = this.swim.drain();
      if (outputs.length === 0) break;
      for (const out of outputs) this.inbox.guard(() => this.onSwimOutput(out, now));
    }
    if (this.statusValue !== "created") this.outbox.gossipNews(this.config, now);
  }

  private onSwimOutput(out: SwimOutput, now: number): void {
    switch (out.kind) {
      case "send":
        this.outbox.send(out.to, out.messages, true, now);
        return;
      case "stream-probe":
        this.streams.probe(out.to, out.target, out.seq, now, Math.max(1, out.deadlineAt - now));
        return;
      case "push-pull":
        this.streams.pushPull(out.to, out.join, now);
        return;
      case "event":
        followMemberEvent(this.follow, out.event.type, out.event.member, out.event.at);
        return;
    }
  }

  private runTask(task: Task, now: number): void {
    const running = this.statusValue === "running";
    switch (task.kind) {
      case "gossip":
        this.gossipRounds.run(now);
        return;
      case "reconnect": {
        this.schedule.schedule(now + this.timing.reconnectIntervalMs, task);
        const address = running ? this.reconnect.pick(now, this.rng, this.swim) : undefined;
        if (address !== undefined) this.streams.pushPull(address, false, now);
        return;
      }
      case "state-tick":
        this.stateSync.tick(task.at, now);
        return;
      case "stream-deadline":
        if (this.streams.isOpen(task.id)) this.streams.settle(task.id, undefined, now);
        return;
      case "join-deadline":
        this.streams.finishJoin(task.token);
        return;
      case "leave-check":
        this.leaving.check(now);
        return;
    }
  }

  /** A local change: the skipped gossip rounds replayed first, swim's outputs pumped after. */
  private local<T>(now: number, change: () => T): T {
    this.periodic.catchUp(now);
    const result = change();
    this.pump(now);
    return result;
  }

  /** Whether input is taken now (running or leaving); if so, catches up first. */
  private enter(now: number): boolean {
    if (this.statusValue !== "running" && this.statusValue !== "leaving") return false;
    this.periodic.catchUp(now);
    return true;
  }

  private judgeHealth(now: number): void {
    const changed = this.health_.judge(now, this.swim);
    if (changed) this.emit(changed);
  }

  private emit(event: ClusterEvent): void {
    this.outbox.outputs.push({ kind: "event", event });
  }
}
