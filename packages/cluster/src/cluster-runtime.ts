import type { PushPullMember } from "@grapevine/codec";
import {
  type ClusterEvent,
  type Coordinate,
  encodeTags,
  type HealthState,
  type Member,
  type NodeCore,
  type NodeCounters,
  type NodeOutput,
  STATS_KEY,
} from "@grapevine/node";
import type { ClusterState, LocalSnapshot, OwnerInfo } from "@grapevine/state";
import { type Swim, type SwimConfig, swimConfig } from "@grapevine/swim";
import { type Clock, systemClock, type TimerHandle } from "@grapevine/transport";
import { EventHub } from "./event-hub.js";
import { ExchangeFailures, type JoinReport, joinSeedBySeed } from "./join-failure.js";
import type { Keyring } from "./keyring.js";
import {
  type ClusterOptions,
  ClusterOptionsError,
  type ClusterStatus,
  type EventOptions,
  type JoinOptions,
  validateOptions,
} from "./options.js";
import type { ClusterPlatform } from "./platform.js";
import {
  INTERNAL_QUERY_PREFIX,
  QueryDesk,
  type QueryHandler,
  type QueryOptions,
  type QueryResult,
} from "./queries.js";
import type { PacketKeyring } from "./sealer.js";
import { ClusterStats, SharedKeys } from "./shared-api.js";
import { TransportEdge } from "./transport-edge.js";
import { createCore, grapevineWire, wireSwimOverrides } from "./wire-setup.js";

export type { ClusterStatus, EventOptions, JoinOptions } from "./options.js";
export type { ClusterPlatform } from "./platform.js";
export type { EncryptionMode, PacketKeyring } from "./sealer.js";

/**
 * What `Cluster` is on every platform (the entry points add `create` and `start`): the runtime
 * shell around the sans-IO node core. See `Cluster` in `cluster.ts`.
 */
export class ClusterRuntime<K extends PacketKeyring = Keyring> {
  /** The local member's name. */
  readonly name: string;
  /** Effective failure-detector and gossip settings. */
  readonly config: SwimConfig;
  /** The keyring sealing and opening packets, when the cluster is encrypted. */
  readonly keyring: K | undefined;
  /** The cluster-scoped keyspace (configuration that belongs to no member). */
  readonly shared: SharedKeys;
  /** Sampled telemetry and its cluster-wide aggregates. */
  readonly stats: ClusterStats;

  private readonly core: NodeCore;
  private readonly clock: Clock;
  private readonly edge: TransportEdge;
  private readonly hub: EventHub;
  private readonly joinWaiters = new Map<number, (joined: number) => void>();
  private leaveWaiter: (() => void) | undefined;
  private statusValue: ClusterStatus = "created";
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private readonly queryDesk: QueryDesk;
  private readonly exchangeFailures = new ExchangeFailures();

  protected constructor(options: ClusterOptions<K>, config: SwimConfig, platform: ClusterPlatform) {
    this.name = options.name;
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.keyring = options.keyring;
    const { sealer, ...wire } = (platform.wire ?? grapevineWire)(options);
    this.edge = new TransportEdge(options.transports, this.clock, sealer, () => this.core.counters);
    this.hub = new EventHub(options.eventBufferLimit ?? 10_000, () => {
      this.core.counters.listenerErrors += 1;
    });
    this.queryDesk = new QueryDesk({
      respond: (token, payload) => {
        if (this.statusValue !== "running" && this.statusValue !== "leaving") return;
        this.step((now) => this.core.respondQuery(token, payload, now));
      },
      handlerFailed: () => {
        this.core.counters.queryHandlerErrors += 1;
      },
    });
    this.core = createCore(options, config, platform, { sealer, ...wire }, this.clock);
    const step = <T>(fn: (now: number) => T): T => this.step(fn);
    const now = () => this.clock.now();
    this.shared = new SharedKeys(this.core, step, (w) => this.assertRunning(w), now);
    this.stats = new ClusterStats(this.core, step, now);
  }

  /**
   * Validates the options and returns the effective swim settings. Throws `ClusterOptionsError`
   * or `SwimConfigError` naming the bad field.
   */
  protected static settings(options: ClusterOptions<PacketKeyring>): SwimConfig {
    validateOptions(options);
    return swimConfig(options.preset ?? "lan", wireSwimOverrides(options));
  }

  /** Where the cluster is in its lifecycle. */
  get status(): ClusterStatus {
    return this.statusValue;
  }

  /** The addresses this member advertises. */
  get addresses(): string[] {
    return this.edge.addresses();
  }

  /** Running totals (packets, bytes, drops by reason, rounds, ...). */
  get counters(): NodeCounters {
    this.core.counters.eventsDropped = this.hub.droppedEvents;
    return this.core.counters;
  }

  /** Broadcasts waiting to be gossiped: membership updates, and state deltas plus user messages. */
  queueDepth(): { membership: number; state: number } {
    return this.core.queueDepth();
  }

  /**
   * This member's judgement of its own situation: `healthy`, `degraded` (Lifeguard's score is
   * raised) or `isolated` (it knows other members but has heard no answer from any of them for the
   * isolation window; its peers then show as suspect in its own view, and it declares nobody dead).
   */
  healthState(): HealthState {
    return this.core.healthState();
  }

  /** Lifeguard local health score (0 is healthy; higher stretches our own timeouts). */
  health(): number {
    return this.core.health();
  }

  /** Begins receiving on every transport and starts the protocol timers. Idempotent. */
  async start(): Promise<void> {
    if (this.statusValue !== "created") return;
    this.statusValue = "running";
    this.edge.listen(
      {
        datagram: (from, bytes) => this.step((now) => this.core.handleDatagram(from, bytes, now)),
        streamRequest: (from, bytes) =>
          this.step((now) => this.core.handleStreamFrame(from, bytes, now)),
      },
      this.core.timing.streamTimeoutMs,
    );
    this.step((now) => this.core.start(now));
  }

  /**
   * Joins a cluster through seed addresses (some may be down). Resolves with the number of seeds
   * that answered a push-pull exchange once all have answered or failed, or when the timeout
   * passes. Resolves 0 when none answered. {@link joinDetailed} says why.
   */
  /**
   * {@link join}, reported seed by seed: each seed that did not answer comes with a
   * {@link JoinFailure} (`refused`, `unreachable`, `timeout`, `tls`, `key-mismatch`,
   * `label-mismatch`, `scheme-unsupported` or `no-answer`) and a message.
   */
  async joinDetailed(seeds: readonly string[], options: JoinOptions = {}): Promise<JoinReport> {
    this.assertRunning("join");
    const join = (seed: string) => this.join([seed], options);
    const timeoutMs = options.timeoutMs ?? this.core.timing.streamTimeoutMs;
    const supports = (seed: string) => this.edge.supports(seed);
    return joinSeedBySeed(seeds, join, this.exchangeFailures, { supports, timeoutMs });
  }

  async join(seeds: readonly string[], options: JoinOptions = {}): Promise<number> {
    this.assertRunning("join");
    return new Promise<number>((resolve) => {
      this.step((now) => {
        const token = this.core.join(seeds, now, options.timeoutMs);
        this.joinWaiters.set(token, resolve);
      });
    });
  }

  /**
   * Leaves gracefully: tells the cluster (a `dead` message about ourselves with a higher
   * incarnation, so peers report "left", not "failed"), waits until that has been gossiped its
   * retransmit-limit times or `timeoutMs` passes, then stops. Idempotent.
   */
  async leave(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.statusValue !== "running") return;
    this.statusValue = "leaving";
    await new Promise<void>((resolve) => {
      this.leaveWaiter = resolve;
      this.step((now) => this.core.leave(now, options.timeoutMs));
    });
    if (this.statusValue === "leaving") this.statusValue = "left";
    await this.shutdown();
  }

  /** Stops at once without telling anyone (peers will detect it as failed). Idempotent. */
  async shutdown(): Promise<void> {
    if (this.statusValue === "stopped") return;
    this.statusValue = "stopped";
    this.core.stop();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const resolve of this.joinWaiters.values()) resolve(0);
    this.joinWaiters.clear();
    this.leaveWaiter?.();
    this.queryDesk.close();
    await this.edge.close();
    this.hub.close();
  }

  // ── membership and state ───────────────────────────────────────────────────────────────────

  /**
   * Hands this member a full member list as a completed push-pull exchange would, with no
   * network traffic, no events and no gossip about it. For simulations and tests that start from
   * a converged cluster; a real member learns its cluster with {@link Cluster.join}.
   */
  seedMembers(members: readonly PushPullMember[]): void {
    this.step((now) => this.core.seed(members, now));
  }

  /** Every member known, including this one, with its status. */
  members(): Member[] {
    return this.core.members();
  }

  /** One member by name. */
  member(name: string): Member | undefined {
    return this.core.member(name);
  }

  /** Number of members (including this one) currently alive or suspect. */
  aliveCount(): number {
    return this.core.aliveCount();
  }

  /**
   * Replaces this member's advertised tags (metadata) and spreads the change. Throws a
   * `LimitError` (field `tags`) when they encode to more than the metadata limit (1,024 B).
   */
  setTags(tags: Readonly<Record<string, string>>): void {
    this.assertRunning("setTags");
    this.step((now) => this.core.setMeta(encodeTags(tags), now, "tags"));
  }

  /** Replaces this member's advertised metadata bytes and spreads the change (limit: 1,024 B). */
  setMeta(meta: Uint8Array): void {
    this.assertRunning("setMeta");
    this.step((now) => this.core.setMeta(meta, now));
  }

  /**
   * Sets one of this member's keys (strings are stored as UTF-8). The new version spreads to
   * every member. Throws on keys or values over the limits.
   */
  set(key: string, value: Uint8Array | string): void {
    this.assertRunning("set");
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
    this.step((now) => this.core.set(key, bytes, now));
  }

  /** Deletes one of this member's keys (a tombstone spreads, then is collected). */
  delete(key: string): boolean {
    this.assertRunning("delete");
    return this.step((now) => this.core.delete(key, now));
  }

  /** A key of this member, or of `owner` when given. */
  get(key: string, owner: string = this.name): Uint8Array | undefined {
    return this.core.store.get(owner, key)?.value;
  }

  /** A key as UTF-8 text. */
  getText(key: string, owner: string = this.name): string | undefined {
    const v = this.get(key, owner);
    return v === undefined ? undefined : new TextDecoder().decode(v);
  }

  /** All live keys of `owner` (default: this member) with their versions; telemetry not included. */
  entries(owner: string = this.name): Array<{ key: string; value: Uint8Array; version: number }> {
    const all = this.core.store.entries(owner).filter((e) => e.key !== STATS_KEY);
    return all.map((e) => ({ key: e.key, value: e.value, version: e.version }));
  }

  /** What this member holds of `owner`'s state: generation, versions, heartbeat, key count. */
  stateOwner(owner: string): OwnerInfo | undefined {
    return this.core.store.owner(owner);
  }

  /** Owners whose state this member holds. */
  owners(): string[] {
    return this.core.store.owners().map((o) => o.owner);
  }

  /** This member's own keys and versions, for a snapshot to restore after a restart. */
  snapshotLocalState(): LocalSnapshot {
    return this.core.store.snapshot();
  }

  /**
   * Restores this member's own keys from a snapshot taken in an earlier run. The keys come back
   * in this run's (higher) generation, so they replace what peers held of the old run.
   */
  restoreLocalState(snapshot: LocalSnapshot): void {
    this.step((now) => this.core.restore(snapshot, now));
  }

  /** Counters of the state store (rejections by reason, ...). */
  stateCounters(): ClusterState["counters"] {
    return this.core.store.counters;
  }

  /** Counters of the failure detector (probes, suspicions, refutations, ...). */
  swimCounters(): Swim["counters"] {
    return this.core.detector.counters;
  }

  /**
   * Sends a user event (Serf's `event`), gossiped to every member (best effort, not kept) and
   * delivered to each as a `user-message` event (`from`, `name`, `payload`, UTF-8 for strings,
   * `ltime`: the sender's Lamport event clock); relayed copies are delivered once, repeats of an
   * identical event each once. See {@link EventOptions}.
   */
  event(name: string, payload: Uint8Array | string = "", options: EventOptions = {}): void {
    this.assertRunning("event");
    const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    this.step((now) => this.core.broadcast(name, bytes, now, options.coalesce === true));
  }

  /** The user event API under its first name: see {@link Cluster.event}. */
  broadcast(name: string, payload: Uint8Array): void {
    this.event(name, payload);
  }

  /**
   * Sends a query (Serf's): gossiped to every member; those that pass `filter` ack it (with
   * `requestAck`) and answer it from their handlers ({@link Cluster.onQuery}; `ping` is built in
   * and answers the member's name), straight back to us. Iterate the result for answers as they
   * arrive; its `summary` says who answered and who did not. Throws a `QueryOptionError` naming
   * a bad option, or a `LimitError` (field `query`) when the query is over 1,024 bytes. The
   * package README shows one in use.
   */
  query(name: string, payload: Uint8Array | string = "", options: QueryOptions = {}): QueryResult {
    this.assertRunning("query");
    const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    const { filter, timeoutMs, requestAck, relayFactor } = options;
    const request = { name, payload: bytes, filter, timeoutMs, requestAck, relayFactor };
    return this.step((now) => {
      const ticket = this.core.query(request, now);
      return this.queryDesk.opened(ticket.id, ticket.expected, ticket.deadlineAt);
    });
  }

  /**
   * Answers queries named `name` with `handler` (replacing any), on this member. The handler may
   * be async; it runs outside the protocol step; an answer over 1,024 bytes is refused; a throw or
   * rejection sends nothing and is counted (`counters.queryHandlerErrors`). Names starting with
   * `_grapevine-` are reserved for Grapevine's own operations (`internal: true` to use one).
   * Returns a function that unregisters it.
   */
  onQuery(name: string, handler: QueryHandler, options: { internal?: boolean } = {}): () => void {
    if (name.startsWith(INTERNAL_QUERY_PREFIX) && options.internal !== true) {
      throw new ClusterOptionsError("query name", `${JSON.stringify(name)} is reserved`);
    }
    return this.queryDesk.handle(name, handler);
  }

  /**
   * Serf's force-leave: moves a failed (suspect or dead) member to `left` on every member; with
   * `prune`, every member forgets it at once. Throws a `ForceLeaveError` (code `member-alive`,
   * `unknown-member` or `self`) and changes nothing when refused.
   */
  forceLeave(name: string, options: { prune?: boolean } = {}): void {
    this.assertRunning("forceLeave");
    this.step((now) => this.core.forceLeave(name, options.prune ?? false, now));
  }

  /**
   * This member's network coordinate (Vivaldi with Serf's height, adjustment and error; distances
   * in seconds), or `undefined` when coordinates are off. It moves with every probe's RTT.
   */
  coordinate(): Coordinate | undefined {
    return this.core.coordinates.of(this.name);
  }

  /** The coordinate member `name` last sent us (on its acks to our probes), if any. */
  coordinateOf(name: string): Coordinate | undefined {
    return this.core.coordinates.of(name);
  }

  /**
   * Estimated round-trip time between members `a` and `b` (default: this member), ms, from their
   * coordinates (Serf's `rtt`); `undefined` while either has none here.
   */
  rtt(a: string, b: string = this.name): number | undefined {
    return this.core.coordinates.rtt(a, b);
  }

  /** Calls `handler` for events of one type, or every event with "*". Returns an unsubscribe. */
  on: EventHub["on"] = (type: never, handler: never) => this.hub.on(type, handler);

  /** Async iterator over future events. */
  events(): AsyncIterableIterator<ClusterEvent> {
    return this.hub.events();
  }

  // ── the edge ───────────────────────────────────────────────────────────────────────────────

  /**
   * Runs one step of the core at the current time, carries out its outputs, re-arms the timer,
   * then delivers the step's events (outside the step: a handler may call back in).
   */
  private step<T>(fn: (now: number) => T, now = this.clock.now()): T {
    try {
      return fn(now);
    } finally {
      for (const out of this.core.drain()) this.carryOut(out);
      this.arm(now);
      this.hub.deliver();
    }
  }

  private carryOut(out: NodeOutput): void {
    switch (out.kind) {
      case "datagram":
        this.edge.send(out.to, out.bytes);
        return;
      case "stream":
        void this.exchange(out.id, out.to, out.bytes, out.deadlineAt);
        return;
      case "event":
        // Telemetry records are not the application's keys: no events for them.
        if (out.event.type === "key-changed" && out.event.key === STATS_KEY) return;
        this.hub.queue(out.event);
        return;
      case "join-done": {
        const resolve = this.joinWaiters.get(out.token);
        this.joinWaiters.delete(out.token);
        resolve?.(out.joined);
        return;
      }
      case "leave-done":
        this.leaveWaiter?.();
        this.leaveWaiter = undefined;
        return;
      default:
        this.queryDesk.output(out);
        return;
    }
  }

  /**
   * Keeps one timer armed at the core's next wake time, moved whenever that time moves, later too
   * (a timer left at a probe's timeout that an ack made stale would wake an idle member in vain).
   */
  private arm(now: number): void {
    if (this.statusValue === "stopped" || this.statusValue === "created") return;
    const at = this.core.nextWakeAt();
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    const delay = Math.max(0, at - now); // `now` is the step's: a little behind, so late, not early
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      if (this.statusValue === "stopped") return;
      const woke = this.clock.now();
      // A timer may still fire just before `at` (the loop was busy when it was set). Sleep on.
      if (woke < at) this.arm(woke);
      else this.step((t) => this.core.tick(t), woke);
    }, delay);
  }

  /** One stream exchange the core asked for; its outcome goes back to the core as a step. */
  private async exchange(id: number, to: string, request: Uint8Array, deadlineAt: number) {
    const result = await this.edge.exchange(
      to,
      request,
      Math.max(1, deadlineAt - this.clock.now()),
    );
    const reply = "reply" in result ? result.reply : undefined;
    if ("failure" in result) this.exchangeFailures.record(to, result.failure);
    if (this.statusValue !== "stopped") {
      this.step((now) => this.core.handleStreamReply(id, reply, now));
    }
  }

  private assertRunning(what: string): void {
    if (this.statusValue !== "running") {
      throw new ClusterOptionsError("status", `is ${this.statusValue}: cannot ${what}`);
    }
  }
}
