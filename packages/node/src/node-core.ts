import {
  decode,
  type Message,
  type OwnerDelta,
  type PushPullMember,
  type UserMessage,
} from "@grapevine/codec";
import {
  ClusterState,
  DEFAULT_DEAD_OWNER_GRACE_MS,
  DEFAULT_TOMBSTONE_GRACE_MS,
  type LocalSnapshot,
  type StateChange,
} from "@grapevine/state";
import {
  type MemberView,
  type Rng,
  Swim,
  type SwimConfig,
  type SwimOutput,
  schemeOf,
  TimerSet,
} from "@grapevine/swim";
import { answerSyn, answerSynAck, synFor } from "./anti-entropy.js";
import { emptyNodeCounters, type NodeCounters, type PacketDropReason } from "./counters.js";
import { Dissemination } from "./dissemination.js";
import { type ClusterEvent, type Member, memberEventType, toMember } from "./events.js";
import type { Link, NodeCoreOptions, ResolvedTiming } from "./options.js";
import { resolveTiming } from "./options.js";
import type { NodeOutput } from "./outputs.js";
import { MIN_BROADCAST_BYTES, PacketBuilder, sizeOf } from "./packet-builder.js";
import { pushPullMessage } from "./push-pull.js";
import { Reconnect } from "./reconnect.js";
import { type StreamExchange, StreamExchanges } from "./stream-exchanges.js";
import { UserMessages } from "./user-messages.js";

/** The core's own timers; stale ones are recognised by their token and ignored (foca). */
type Task =
  | { readonly kind: "gossip" }
  | { readonly kind: "anti-entropy" }
  | { readonly kind: "reconnect" }
  | { readonly kind: "state-tick"; readonly at: number }
  | { readonly kind: "stream-deadline"; readonly id: number }
  | { readonly kind: "join-deadline"; readonly token: number }
  | { readonly kind: "leave-check" };

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

  private readonly swim: Swim;
  private readonly state: ClusterState;
  private readonly rng: Rng;
  private readonly addresses: readonly string[];
  private readonly links = new Map<string, Link>();
  private readonly builder: PacketBuilder;
  private readonly label: string;
  private readonly dissemination: Dissemination;
  private readonly reconnect: Reconnect;
  private readonly userMessages = new UserMessages();
  private readonly exchanges = new StreamExchanges();
  private readonly schedule = new TimerSet<Task>();
  private readonly stateGraceMs: number;
  private readonly deltaBudget: number;
  private outputs: NodeOutput[] = [];
  private statusValue: NodeCoreStatus = "created";
  private stateTickAt = Number.POSITIVE_INFINITY;
  private leaveDeadline = Number.POSITIVE_INFINITY;
  /** The join whose push-pulls swim is asking for right now. */
  private joining: number | undefined;

  constructor(options: NodeCoreOptions) {
    this.name = options.name;
    this.config = options.config;
    this.rng = options.rng;
    this.addresses = options.addresses.slice();
    this.label = options.label ?? "";
    this.timing = resolveTiming(options);
    for (const link of options.links) for (const s of link.schemes) this.links.set(s, link);
    this.builder = new PacketBuilder(this.label, options.sealOverhead ?? 0);
    this.swim = new Swim({
      config: options.config,
      self: {
        name: options.name,
        addresses: this.addresses,
        sendSchemes: [...this.links.keys()],
        meta: options.meta,
        generation: options.generation,
      },
      rng: options.rng,
      now: options.now,
      hashSeed: options.hashSeed ?? 0,
    });
    const tombstoneGraceMs = options.tombstoneGraceMs ?? DEFAULT_TOMBSTONE_GRACE_MS;
    const deadOwnerGraceMs = options.deadOwnerGraceMs ?? DEFAULT_DEAD_OWNER_GRACE_MS;
    this.stateGraceMs = Math.min(tombstoneGraceMs, deadOwnerGraceMs);
    this.state = new ClusterState({
      self: options.name,
      generation: options.generation,
      rng: options.rng,
      tombstoneGraceMs,
      deadOwnerGraceMs,
      limits: {
        maxKeyBytes: options.maxKeyBytes ?? 256,
        maxValueBytes: options.maxValueBytes ?? 1024,
      },
    });
    this.dissemination = new Dissemination(
      options.config.broadcastQueueLimit,
      options.config.retransmitMult,
    );
    this.reconnect = new Reconnect(this.timing.reconnectTimeoutMs);
    let smallestMtu = Number.POSITIVE_INFINITY;
    for (const link of options.links) smallestMtu = Math.min(smallestMtu, link.mtu);
    this.deltaBudget = this.builder.stateDeltaBudget(smallestMtu, this.name, this.addresses);
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
    const { gossipIntervalMs } = this.config;
    const { antiEntropyIntervalMs, reconnectIntervalMs } = this.timing;
    this.schedule.schedule(now + this.rng.next() * gossipIntervalMs, { kind: "gossip" });
    if (antiEntropyIntervalMs > 0) {
      const at = now + this.rng.next() * antiEntropyIntervalMs;
      this.schedule.schedule(at, { kind: "anti-entropy" });
    }
    if (reconnectIntervalMs > 0) {
      const at = now + this.rng.next() * reconnectIntervalMs;
      this.schedule.schedule(at, { kind: "reconnect" });
    }
    this.pump(now);
  }

  /**
   * Joins through seed addresses: a push-pull with each seed we share a transport with, and our
   * `alive` to each. Returns a token; a `join-done` output with it reports how many seeds answered,
   * once all have answered or failed, or at `now + timeoutMs`.
   */
  join(seeds: readonly string[], now: number, timeoutMs = this.timing.streamTimeoutMs): number {
    const mine = new Set(this.addresses);
    const targets = [...new Set(seeds)].filter((s) => !mine.has(s));
    const token = this.exchanges.startJoin();
    if (targets.length > 0 && this.statusValue === "running") {
      this.joining = token;
      try {
        this.swim.join(targets, now);
        this.pump(now);
      } finally {
        this.joining = undefined;
      }
    }
    if (this.exchanges.joinPending(token)) {
      this.schedule.schedule(now + timeoutMs, { kind: "join-deadline", token });
    } else {
      this.finishJoin(token);
    }
    return token;
  }

  /**
   * Leaves gracefully: a `dead` notice about ourselves at a higher incarnation (peers report
   * "left"), gossiped until it has been sent its retransmit-limit times or `timeoutMs` passes;
   * then a `leave-done` output.
   */
  leave(now: number, timeoutMs = this.timing.leaveTimeoutMs): void {
    if (this.statusValue !== "running") return;
    this.statusValue = "leaving";
    this.swim.leave(now);
    this.leaveDeadline = now + timeoutMs;
    this.schedule.schedule(now, { kind: "leave-check" });
    this.pump(now);
  }

  /** Stops: every later input is ignored and nothing more is produced. */
  stop(): void {
    this.statusValue = "stopped";
    this.outputs = [];
  }

  // ── the step functions ─────────────────────────────────────────────────────────────────────

  /** A datagram (opened, not sealed) from the address URL `from`. */
  handleDatagram(from: string, bytes: Uint8Array, now: number): void {
    if (!this.accepting()) return;
    this.counters.packetsIn += 1;
    this.counters.bytesIn += bytes.length;
    const messages = this.decodeOrDrop(bytes, this.linkFor(from)?.mtu ?? bytes.length);
    if (messages === undefined) return;
    for (const message of messages) {
      this.counters.messagesIn += 1;
      this.guard(() => this.dispatch(from, message, now));
    }
    this.pump(now);
  }

  /**
   * A request frame (opened) arriving on a stream accepted from `from`. Returns the reply frame to
   * write back (not yet sealed), or `undefined` to close the stream without one.
   */
  handleStreamFrame(from: string, bytes: Uint8Array, now: number): Uint8Array | undefined {
    if (!this.accepting()) return undefined;
    const maxFrame = this.linkFor(from)?.maxFrameBytes ?? bytes.length;
    const messages = this.decodeOrDrop(bytes, maxFrame);
    if (messages === undefined) return undefined;
    let reply: Message | undefined;
    for (const msg of messages) {
      if (msg.type === "ping" && msg.target === this.name) {
        reply = { type: "ack", seq: msg.seq, source: this.name, payload: new Uint8Array(0) };
      } else if (msg.type === "push-pull") {
        this.guard(() => this.mergePushPull(msg.members, msg.delta, now));
        if (!msg.reply) {
          const flags = { join: false, reply: true };
          reply = pushPullMessage(this.swim, this.state, flags, this.builder.budget(maxFrame));
        }
      }
    }
    this.pump(now);
    return reply === undefined ? undefined : this.builder.encode([reply]);
  }

  /** The reply (opened) to the stream exchange `id`, or `undefined` when the exchange failed. */
  handleStreamReply(id: number, bytes: Uint8Array | undefined, now: number): void {
    const exchange = this.exchanges.settle(id);
    if (exchange === undefined || this.statusValue === "stopped") return;
    const maxFrame = this.linkFor(exchange.to)?.maxFrameBytes ?? Number.MAX_SAFE_INTEGER;
    const messages = bytes === undefined ? undefined : this.decodeOrDrop(bytes, maxFrame);
    this.guard(() => this.completeExchange(exchange, messages, now));
    this.pump(now);
  }

  /** Runs everything due at `now`. */
  tick(now: number): void {
    if (this.statusValue === "stopped" || this.statusValue === "created") return;
    this.guard(() => this.swim.tick(now));
    for (let task = this.schedule.popDue(now); task; task = this.schedule.popDue(now)) {
      const due = task;
      this.guard(() => this.runTask(due, now));
    }
    this.pump(now);
  }

  /** When the core next wants {@link tick} called, ms (Infinity: never). */
  nextWakeAt(): number {
    if (this.statusValue === "stopped" || this.statusValue === "created") {
      return Number.POSITIVE_INFINITY;
    }
    return Math.min(this.swim.nextWakeAt(), this.schedule.nextAt());
  }

  /** Everything produced since the last call, oldest first. */
  drain(): NodeOutput[] {
    const outputs = this.outputs;
    this.outputs = [];
    return outputs;
  }

  // ── local changes ──────────────────────────────────────────────────────────────────────────

  /** Sets one of our keys. Throws a `RangeError` (and changes nothing) over the size limits. */
  set(key: string, value: Uint8Array, now: number): void {
    const change = this.state.set(key, value, now);
    if (change) this.afterLocalChange(change, now);
  }

  /** Deletes one of our keys. Returns whether it existed. */
  delete(key: string, now: number): boolean {
    const change = this.state.delete(key, now);
    if (change) this.afterLocalChange(change, now);
    return change !== null;
  }

  /** Replaces our metadata and spreads it. */
  setMeta(meta: Uint8Array, now: number): void {
    this.swim.setMeta(meta, now);
    this.pump(now);
  }

  /** Broadcasts an application message to every member (best effort, infection-style). */
  broadcast(name: string, payload: Uint8Array, now: number): void {
    const message: UserMessage = { type: "user", from: this.name, name, payload };
    this.dissemination.enqueueUser(this.userMessages.own(message, now), message);
    this.pump(now);
  }

  /** Restores our keys from a snapshot of an earlier run, in this run's generation. */
  restore(snapshot: LocalSnapshot, now: number): void {
    this.emitChanges(this.state.restore(snapshot, now), now);
    const delta = this.state.localDelta(0, this.deltaBudget);
    if (delta) this.dissemination.enqueueStateDelta(delta);
    this.wantStateTick(now + this.stateGraceMs);
    this.pump(now);
  }

  /**
   * Takes a converged member list as a completed push-pull would, with no events and no gossip
   * (simulations and tests that start from a converged cluster).
   */
  seed(members: readonly PushPullMember[], now: number): void {
    this.swim.seed(members, now);
    for (const m of members) {
      if (m.name !== this.name && m.status === "alive") {
        this.state.markOwnerAlive(m.name, now, m.generation);
      }
    }
    this.swim.clearBroadcasts();
    this.pump(now);
  }

  // ── reads ──────────────────────────────────────────────────────────────────────────────────

  /** Every member known, ourselves included. */
  members(): Member[] {
    return this.swim.members().map((m) => toMember(m, this.name));
  }

  /** One member by name. */
  member(name: string): Member | undefined {
    const m = this.swim.member(name);
    return m ? toMember(m, this.name) : undefined;
  }

  /** Members alive or suspect, ourselves included. */
  aliveCount(): number {
    return this.swim.aliveCount();
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
    return { membership: this.swim.pendingBroadcasts(), state: this.dissemination.size };
  }

  // ── inside a step ──────────────────────────────────────────────────────────────────────────

  private accepting(): boolean {
    return this.statusValue === "running" || this.statusValue === "leaving";
  }

  /** Runs `fn`; nothing a peer sends may escape a step as an exception. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch {
      this.drop("internal");
    }
  }

  private drop(reason: PacketDropReason): void {
    this.counters.drops[reason] += 1;
  }

  private linkFor(address: string): Link | undefined {
    const scheme = schemeOf(address);
    return scheme === undefined ? undefined : this.links.get(scheme);
  }

  private decodeOrDrop(bytes: Uint8Array, maxBytes: number): readonly Message[] | undefined {
    const r = decode(bytes, { maxPacketBytes: maxBytes, label: this.label });
    if (!r.ok) {
      this.drop(r.error.reason as PacketDropReason);
      return undefined;
    }
    return r.envelope.messages;
  }

  private dispatch(from: string, msg: Message, now: number): void {
    switch (msg.type) {
      case "ping":
      case "ping-req":
      case "ack":
      case "nack":
      case "alive":
      case "suspect":
      case "dead":
        this.swim.handle(from, msg, now);
        return;
      case "state-syn": {
        const budget = this.budgetFor(from);
        if (budget !== undefined) this.send(from, [answerSyn(this.state, msg, budget)], true, now);
        return;
      }
      case "state-syn-ack": {
        this.applyDelta(msg.delta, now, false);
        const budget = this.budgetFor(from);
        const ack = budget === undefined ? undefined : answerSynAck(this.state, msg, budget);
        if (ack) this.send(from, [ack], true, now);
        return;
      }
      case "state-ack":
        this.applyDelta(msg.delta, now, false);
        return;
      case "state-delta":
        this.applyDelta(msg.delta, now, true);
        return;
      case "user":
        this.onUserMessage(msg, now);
        return;
      case "push-pull":
        // Push-pull travels on streams only.
        return;
    }
  }

  private budgetFor(address: string): number | undefined {
    const link = this.linkFor(address);
    return link === undefined ? undefined : this.builder.budget(link.mtu);
  }

  /** Sends `primary` to `to` in one packet, filled up with piggy-backed broadcasts. */
  private send(to: string, primary: readonly Message[], piggyback: boolean, now: number): void {
    const link = this.linkFor(to);
    if (link === undefined) {
      this.drop("no-transport");
      return;
    }
    const { fitted, left, unfit } = this.builder.fit(primary, this.builder.budget(link.mtu));
    this.counters.drops.unfit += unfit;
    if (piggyback) this.piggyback(fitted, left, now);
    if (fitted.length === 0) return;
    const bytes = this.builder.encode(fitted);
    if (bytes === undefined) {
      this.drop("unfit");
      return;
    }
    this.counters.packetsOut += 1;
    this.counters.bytesOut += bytes.length;
    this.counters.messagesOut += fitted.length;
    this.outputs.push({ kind: "datagram", to, bytes });
  }

  /** Appends membership, then state and user broadcasts that fit in `budget` bytes. */
  private piggyback(messages: Message[], budget: number, now: number): void {
    let left = budget;
    if (left >= MIN_BROADCAST_BYTES) {
      for (const m of this.swim.piggyback(left, sizeOf, now)) {
        left -= sizeOf(m);
        messages.push(m);
        this.counters.broadcastsSent += 1;
      }
    }
    if (left >= MIN_BROADCAST_BYTES && this.dissemination.size > 0) {
      const members = Math.max(1, this.swim.aliveCount());
      for (const m of this.dissemination.select(left, sizeOf, members)) {
        left -= sizeOf(m);
        messages.push(m);
        this.counters.broadcastsSent += 1;
      }
    }
  }

  /** Turns swim's outputs into the core's, until swim has nothing more to say. */
  private pump(now: number): void {
    if (this.statusValue === "stopped") return;
    for (let round = 0; round < 16; round++) {
      const outputs = this.swim.drain();
      if (outputs.length === 0) break;
      for (const out of outputs) this.guard(() => this.onSwimOutput(out, now));
    }
  }

  private onSwimOutput(out: SwimOutput, now: number): void {
    switch (out.kind) {
      case "send":
        this.send(out.to, out.messages, true, now);
        return;
      case "stream-probe": {
        const ping: Message = {
          type: "ping",
          seq: out.seq,
          target: out.target,
          source: this.name,
          sourceAddresses: this.addresses,
        };
        this.counters.streamProbes += 1;
        const deadline = now + this.config.probeIntervalMs;
        if (!this.openExchange(out.to, [ping], { purpose: "probe", seq: out.seq }, deadline, now)) {
          this.swim.streamProbeResult(out.seq, false, now);
        }
        return;
      }
      case "push-pull":
        this.startPushPull(out.to, out.join, now);
        return;
      case "event":
        this.onMemberEvent(out.event.type, out.event.member, out.event.at);
        return;
    }
  }

  private startPushPull(to: string, join: boolean, now: number): void {
    const link = this.linkFor(to);
    const token = join ? this.joining : undefined;
    if (link === undefined || this.statusValue === "stopped") {
      this.swim.pushPullFailed(to, now);
      return;
    }
    this.counters.pushPulls += 1;
    const frame = pushPullMessage(
      this.swim,
      this.state,
      { join, reply: false },
      this.builder.budget(link.maxFrameBytes),
    );
    const deadline = now + this.timing.streamTimeoutMs;
    const what = { purpose: "push-pull", join: token } as const;
    if (!this.openExchange(to, [frame], what, deadline, now)) {
      this.counters.pushPullFailures += 1;
      this.swim.pushPullFailed(to, now);
    }
  }

  /** Starts a stream exchange; false when its request cannot be encoded. */
  private openExchange(
    to: string,
    request: readonly Message[],
    what: Pick<StreamExchange, "purpose"> & Partial<Pick<StreamExchange, "seq" | "join">>,
    deadlineAt: number,
    now: number,
  ): boolean {
    const bytes = this.builder.encode(request);
    if (bytes === undefined) {
      this.drop("unfit");
      return false;
    }
    const id = this.exchanges.open({ ...what, to, startedAt: now });
    this.schedule.schedule(deadlineAt, { kind: "stream-deadline", id });
    this.outputs.push({ kind: "stream", id, to, bytes, purpose: what.purpose, deadlineAt });
    return true;
  }

  private completeExchange(
    exchange: StreamExchange,
    reply: readonly Message[] | undefined,
    now: number,
  ): void {
    if (exchange.purpose === "probe") {
      const acked = reply?.some((m) => m.type === "ack" && m.seq === exchange.seq) ?? false;
      this.swim.streamProbeResult(exchange.seq ?? -1, acked, now);
      return;
    }
    let answered = false;
    for (const msg of reply ?? []) {
      if (msg.type !== "push-pull") continue;
      this.mergePushPull(msg.members, msg.delta, now);
      answered = true;
    }
    if (answered) {
      this.counters.pushPullMs += now - exchange.startedAt;
    } else {
      this.counters.pushPullFailures += 1;
      if (this.statusValue !== "stopped") this.swim.pushPullFailed(exchange.to, now);
    }
    if (exchange.join !== undefined && this.exchanges.joinSettled(exchange.join, answered)) {
      this.finishJoin(exchange.join);
    }
  }

  private finishJoin(token: number): void {
    const joined = this.exchanges.finishJoin(token);
    if (joined !== undefined) this.outputs.push({ kind: "join-done", token, joined });
  }

  private mergePushPull(
    members: readonly PushPullMember[],
    delta: readonly OwnerDelta[],
    now: number,
  ): void {
    this.swim.mergeRemote(members, now);
    this.applyDelta(delta, now, false);
  }

  private runTask(task: Task, now: number): void {
    const running = this.statusValue === "running";
    switch (task.kind) {
      case "gossip":
        this.schedule.schedule(now + this.config.gossipIntervalMs, task);
        this.gossipRound(now);
        return;
      case "anti-entropy":
        this.schedule.schedule(now + this.timing.antiEntropyIntervalMs, task);
        if (running) this.antiEntropyRound(now);
        return;
      case "reconnect": {
        this.schedule.schedule(now + this.timing.reconnectIntervalMs, task);
        // Forgotten counts as still failed: reconnecting is for exactly that case.
        const stillDead = (n: string): boolean => {
          const status = this.swim.member(n)?.status;
          return status === undefined || status === "dead";
        };
        const address = running ? this.reconnect.pick(now, this.rng, stillDead) : undefined;
        if (address !== undefined) this.startPushPull(address, false, now);
        return;
      }
      case "state-tick":
        if (task.at === this.stateTickAt) this.stateTick(now);
        return;
      case "stream-deadline":
        if (this.exchanges.has(task.id)) this.handleStreamReply(task.id, undefined, now);
        return;
      case "join-deadline":
        this.finishJoin(task.token);
        return;
      case "leave-check":
        this.leaveCheck(now);
        return;
    }
  }

  private gossipRound(now: number): void {
    if (this.swim.pendingBroadcasts() === 0 && this.dissemination.size === 0) return;
    this.counters.gossipRounds += 1;
    for (const to of this.swim.gossipTargets(this.config.gossipFanout, now)) {
      this.send(to, [], true, now);
    }
  }

  private antiEntropyRound(now: number): void {
    // Our heartbeat rises once a period and rides on every delta we send (Scuttlebutt §3).
    this.state.heartbeat();
    const [to] = this.swim.gossipTargets(1, now);
    const budget = to === undefined ? undefined : this.budgetFor(to);
    if (to === undefined || budget === undefined) return;
    this.counters.antiEntropyRounds += 1;
    this.send(to, [synFor(this.state, budget)], false, now);
  }

  private leaveCheck(now: number): void {
    const spread = this.swim.pendingBroadcasts() === 0 || this.swim.aliveCount() === 0;
    if (spread || now >= this.leaveDeadline) {
      this.leaveDeadline = Number.POSITIVE_INFINITY;
      this.outputs.push({ kind: "leave-done" });
      return;
    }
    const next = Math.min(now + this.config.gossipIntervalMs, this.leaveDeadline);
    this.schedule.schedule(next, { kind: "leave-check" });
  }

  /** Asks for a state tick at `at` unless one is due sooner (state's work is never earlier). */
  private wantStateTick(at: number): void {
    if (at >= this.stateTickAt) return;
    this.stateTickAt = at;
    this.schedule.schedule(at, { kind: "state-tick", at });
  }

  private stateTick(now: number): void {
    this.stateTickAt = Number.POSITIVE_INFINITY;
    const result = this.state.tick(now);
    this.emitChanges(result.changes, now);
    if (result.nextTickAt !== null) this.wantStateTick(Math.max(now + 1, result.nextTickAt));
  }

  private applyDelta(delta: readonly OwnerDelta[], now: number, regossip: boolean): void {
    if (delta.length === 0) return;
    const result = this.state.apply(delta, now);
    // Our own deltas echoed back by peers are normal gossip, not something to count as dropped.
    for (const r of result.rejected) if (r.reason !== "self") this.drop("rejected-state");
    this.emitChanges(result.changes, now);
    this.wantStateTick(now + this.stateGraceMs);
    if (regossip && result.changes.length > 0) {
      // Infection-style: what was news to us is passed on, a bounded number of times.
      for (const d of delta) {
        if (result.changes.some((c) => c.owner === d.owner)) {
          this.dissemination.enqueueStateDelta(d);
        }
      }
    }
  }

  private afterLocalChange(change: StateChange, now: number): void {
    const delta = this.state.localDelta(change.version - 1, this.deltaBudget);
    if (delta) this.dissemination.enqueueStateDelta(delta);
    this.emitChanges([change], now);
    this.wantStateTick(now + this.stateGraceMs);
    this.pump(now);
  }

  private onUserMessage(msg: UserMessage, now: number): void {
    const key = this.userMessages.received(msg, now);
    if (key === undefined) return;
    // Infection-style: pass it on a bounded number of times, like membership updates.
    this.dissemination.enqueueUser(key, msg);
    this.counters.userMessages += 1;
    this.emit({
      type: "user-message",
      from: msg.from,
      name: msg.name,
      payload: msg.payload,
      at: now,
    });
  }

  private emitChanges(changes: readonly StateChange[], now: number): void {
    for (const c of changes) {
      this.counters.keysChanged += 1;
      this.emit({
        type: "key-changed",
        owner: c.owner,
        key: c.key,
        oldValue: c.previous?.value,
        newValue: c.current?.value,
        version: c.version,
        at: now,
      });
    }
  }

  private emit(event: ClusterEvent): void {
    this.outputs.push({ kind: "event", event });
  }

  private onMemberEvent(type: string, view: MemberView, at: number): void {
    const eventType = memberEventType(type);
    if (eventType === undefined) return;
    if (view.name !== this.name) {
      if (type === "dead" || type === "left") {
        this.state.markOwnerDead(view.name, at);
        this.wantStateTick(at + this.stateGraceMs);
        const address = view.addresses.find((a) => this.linkFor(a) !== undefined);
        if (type === "dead" && address !== undefined)
          this.reconnect.failedAt(view.name, address, at);
        else this.reconnect.forget(view.name);
      } else {
        this.reconnect.forget(view.name);
        if (type === "join" || type === "update") {
          this.emitChanges(this.state.markOwnerAlive(view.name, at, view.generation), at);
        }
      }
    }
    this.emit({ type: eventType, member: toMember(view, this.name), at });
  }
}
