import { randomInt } from "node:crypto";
import {
  type DecodeResult,
  decode,
  encodePacket,
  envelopeOverhead,
  type Message,
  messageSize,
  type OwnerDelta,
  type PushPull,
  type PushPullMember,
  WIRE_VERSION,
} from "@grapevine/codec";
import { ClusterState, type LocalSnapshot, type StateChange } from "@grapevine/state";
import {
  BroadcastQueue,
  type MemberView,
  retransmitLimit,
  Swim,
  type SwimConfig,
  type SwimOutput,
  swimConfig,
} from "@grapevine/swim";
import {
  type Clock,
  type Datagram,
  type Stream,
  schemeOf,
  systemClock,
  type TimerHandle,
  type Transport,
} from "@grapevine/transport";
import { type ClusterCounters, type DropReason, emptyCounters } from "./counters.js";
import { readFrame, withDeadline } from "./deadline.js";
import { EventHub } from "./event-hub.js";
import {
  type ClusterEvent,
  decodeTags,
  encodeTags,
  type Member,
  type MemberEvent,
  type MemberEventType,
} from "./events.js";
import { associatedData, type Keyring, looksSealed, SEAL_OVERHEAD } from "./keyring.js";
import { MemberSampler } from "./member-sampler.js";
import { type ClusterOptions, ClusterOptionsError, validateOptions } from "./options.js";
import { cryptoRng, type Rng } from "./rng.js";
import { SeenMessages } from "./seen-messages.js";

const EMPTY = new Uint8Array(0);

/**
 * How a member with a keyring treats encryption (switching a running cluster on without a flag
 * day; see SECURITY.md): `open-only` sends plaintext and opens sealed packets, `accept-plaintext`
 * sends sealed and still accepts plaintext, `required` (the default) sends sealed and drops
 * plaintext. `off`: no keyring.
 */
export type EncryptionMode = "off" | "open-only" | "accept-plaintext" | "required";

const MEMBER_EVENT: Record<string, MemberEventType> = {
  join: "member-joined",
  update: "member-updated",
  suspect: "member-suspect",
  alive: "member-alive",
  dead: "member-dead",
  left: "member-left",
};

/** Lifecycle of a {@link Cluster}. */
export type ClusterStatus = "created" | "running" | "leaving" | "left" | "stopped";

/** Options of {@link Cluster.join}. */
export interface JoinOptions {
  /** Give up after this many ms (default: the stream timeout). */
  readonly timeoutMs?: number;
}

/**
 * A member of a gossip cluster: the runtime that drives the SWIM failure detector and the
 * scuttlebutt state store with a clock, a random source, the wire codec and one or more
 * transports.
 *
 * It decides what goes in each packet (probe traffic plus piggy-backed membership updates and
 * state deltas, packed to the MTU), runs gossip rounds (every gossip interval, to `fanout` random
 * members), anti-entropy (a scuttlebutt digest exchange with one random member) and periodic
 * push-pull over the stream channel (also on join, to bootstrap a new node quickly).
 *
 * Nothing a peer sends can throw out of it or stop its timers: undecodable input is dropped and
 * counted in {@link Cluster.counters}.
 */
export class Cluster {
  /** The local member's name. */
  readonly name: string;
  /** Effective failure-detector and gossip settings. */
  readonly config: SwimConfig;
  /** Running totals (packets, bytes, drops by reason, rounds, ...). */
  readonly counters: ClusterCounters = emptyCounters();

  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly swim: Swim;
  private readonly state: ClusterState;
  private readonly transports = new Map<string, Transport>();
  private readonly hub: EventHub;
  private readonly label: string;
  private readonly stateQueue: BroadcastQueue<Message>;
  /**
   * Members declared failed (not left), with an address to try and when they failed. Periodic
   * reconnect attempts to them heal long partitions, after the other side has been forgotten.
   */
  private readonly failedMembers = new Map<string, { address: string; since: number }>();
  private readonly failedSampler = new MemberSampler();
  private readonly reconnectIntervalMs: number;
  private readonly reconnectTimeoutMs: number;
  private nextReconnectAt = Number.POSITIVE_INFINITY;
  /** Application messages already delivered (relayed messages come back). */
  private readonly seenMessages = new SeenMessages(60_000, 16_384);
  private readonly antiEntropyIntervalMs: number;
  private readonly streamTimeoutMs: number;
  private readonly leaveTimeoutMs: number;
  private readonly openStreams = new Set<Stream>();

  /** The keyring sealing and opening packets, when the cluster is encrypted. */
  readonly keyring: Keyring | undefined;
  private readonly encryption: EncryptionMode;
  private readonly sealOverhead: number;
  private readonly adDatagram: Uint8Array;
  private readonly adStream: Uint8Array;
  /** Join push-pulls started by the current `join()`, by seed address. */
  private readonly joinAttempts = new Map<string, Promise<boolean>>();

  private statusValue: ClusterStatus = "created";
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private nextGossipAt = Number.POSITIVE_INFINITY;
  private nextAntiEntropyAt = Number.POSITIVE_INFINITY;
  private nextStateTickAt = Number.POSITIVE_INFINITY;
  private inFlush = false;

  private constructor(options: ClusterOptions, config: SwimConfig) {
    this.name = options.name;
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.rng = options.rng ?? cryptoRng();
    this.label = options.label ?? "";
    this.keyring = options.keyring;
    this.encryption = options.keyring ? (options.encryption ?? "required") : "off";
    this.sealOverhead =
      this.encryption === "required" || this.encryption === "accept-plaintext" ? SEAL_OVERHEAD : 0;
    this.adDatagram = associatedData(WIRE_VERSION, this.label);
    this.adStream = associatedData(WIRE_VERSION, this.label, "stream");
    for (const t of options.transports) {
      // A transport may speak several schemes (WebSocket: ws, wss and dial-only ws-client).
      const schemes = (t as { readonly schemes?: readonly string[] }).schemes ?? [t.scheme];
      for (const scheme of schemes) this.transports.set(scheme, t);
    }
    this.antiEntropyIntervalMs = options.antiEntropyIntervalMs ?? config.gossipIntervalMs * 5;
    this.streamTimeoutMs = options.streamTimeoutMs ?? (options.preset === "local" ? 5_000 : 10_000);
    this.reconnectIntervalMs = options.reconnectIntervalMs ?? config.pushPullIntervalMs;
    this.reconnectTimeoutMs = options.reconnectTimeoutMs ?? 24 * 3_600_000;
    this.leaveTimeoutMs =
      options.leaveTimeoutMs ?? config.gossipIntervalMs * 5 + config.probeIntervalMs;
    this.hub = new EventHub(
      options.eventBufferLimit ?? 10_000,
      () => {
        this.counters.listenerErrors += 1;
      },
      () => {
        this.counters.eventsDropped += 1;
      },
    );
    const now = this.clock.now();
    const generation = options.generation ?? Date.now();
    const meta = options.meta ?? (options.tags ? encodeTags(options.tags) : new Uint8Array(0));
    this.swim = new Swim({
      config,
      self: {
        name: this.name,
        addresses: options.transports.map((t) => t.address),
        sendSchemes: [...this.transports.keys()],
        meta,
        generation,
      },
      rng: this.rng,
      now,
      // Secret, so peers cannot pick colliding names; it changes no behaviour (runs stay seeded).
      hashSeed: randomInt(0x1_0000_0000),
    });
    this.state = new ClusterState({
      self: this.name,
      generation,
      rng: this.rng,
      ...(options.tombstoneGraceMs !== undefined
        ? { tombstoneGraceMs: options.tombstoneGraceMs }
        : {}),
      ...(options.deadOwnerGraceMs !== undefined
        ? { deadOwnerGraceMs: options.deadOwnerGraceMs }
        : {}),
      limits: {
        maxKeyBytes: options.maxKeyBytes ?? 256,
        maxValueBytes: options.maxValueBytes ?? 1024,
      },
    });
    this.stateQueue = new BroadcastQueue<Message>({ limit: config.broadcastQueueLimit });
  }

  /**
   * Validates the options and creates a cluster member. Throws `ClusterOptionsError` or
   * `SwimConfigError` naming the bad field. Call {@link Cluster.start} to begin.
   */
  static create(options: ClusterOptions): Cluster {
    validateOptions(options);
    const config = swimConfig(options.preset ?? "lan", options.swim ?? {});
    return new Cluster(options, config);
  }

  /** Creates and starts a member in one call. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = Cluster.create(options);
    await cluster.start();
    return cluster;
  }

  /** Where the cluster is in its lifecycle. */
  get status(): ClusterStatus {
    return this.statusValue;
  }

  /** The addresses this member advertises. */
  get addresses(): string[] {
    return [...new Set(this.transports.values())].map((t) => t.address);
  }

  /**
   * Broadcasts waiting to be gossiped: membership updates, and state deltas plus application
   * messages. Each leaves its queue after its retransmit limit.
   */
  queueDepth(): { membership: number; state: number } {
    return { membership: this.swim.pendingBroadcasts(), state: this.stateQueue.size };
  }

  /** Lifeguard local health score (0 is healthy; higher stretches our own timeouts). */
  health(): number {
    return this.swim.health();
  }

  /** Begins receiving on every transport and starts the protocol timers. Idempotent. */
  async start(): Promise<void> {
    if (this.statusValue !== "created") return;
    this.statusValue = "running";
    const now = this.clock.now();
    // Spread the periodic tasks over their first interval so that a cluster started at one
    // instant does not act in lockstep.
    this.nextGossipAt = now + this.rng.next() * this.config.gossipIntervalMs;
    if (this.antiEntropyIntervalMs > 0) {
      this.nextAntiEntropyAt = now + this.rng.next() * this.antiEntropyIntervalMs;
    }
    this.nextStateTickAt = now + 1000;
    if (this.reconnectIntervalMs > 0) {
      this.nextReconnectAt = now + this.rng.next() * this.reconnectIntervalMs;
    }
    for (const t of new Set(this.transports.values())) {
      void this.receiveDatagrams(t);
      void this.receiveStreams(t);
    }
    this.flush();
  }

  /**
   * Joins a cluster through seed addresses (some may be down). Resolves with the number of seeds
   * that answered a push-pull exchange once all have answered or failed, or when the timeout
   * passes. Resolves 0 when none answered.
   */
  async join(seeds: readonly string[], options: JoinOptions = {}): Promise<number> {
    this.assertRunning("join");
    const mine = new Set(this.addresses);
    const targets = [...new Set(seeds)].filter((s) => !mine.has(s));
    if (targets.length === 0) return 0;
    const timeoutMs = options.timeoutMs ?? this.streamTimeoutMs;
    // Swim asks for a push-pull with each seed it can reach, announces us to them, queues our
    // own alive for gossip, and keeps retrying the seeds while we know no other member.
    this.joinAttempts.clear();
    this.swim.join(targets, this.clock.now());
    this.flush();
    const attempts = targets.flatMap((seed) => {
      const attempt = this.joinAttempts.get(seed);
      return attempt ? [attempt] : [];
    });
    this.joinAttempts.clear();
    const results = await Promise.all(
      attempts.map((attempt) =>
        withDeadline(this.clock, attempt, timeoutMs, "join").catch(() => false),
      ),
    );
    return results.filter(Boolean).length;
  }

  /**
   * Leaves gracefully: tells the cluster (a `dead` message about ourselves with a higher
   * incarnation, so peers report "left", not "failed"), waits until that has been gossiped its
   * retransmit-limit times or `timeoutMs` passes, then stops. Idempotent.
   */
  async leave(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.statusValue !== "running") return;
    this.statusValue = "leaving";
    this.swim.leave(this.clock.now());
    this.flush();
    // Gossip rounds carry the leave: wait until it has been sent its retransmit-limit times
    // (nothing left in the membership queue), or the timeout. With no one alive (our count no
    // longer includes us), there is no one to tell.
    const deadline = this.clock.now() + (options.timeoutMs ?? this.leaveTimeoutMs);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        const spread = this.swim.pendingBroadcasts() === 0 || this.swim.aliveCount() === 0;
        if (spread || this.clock.now() >= deadline || this.stopped()) resolve();
        else {
          const next = Math.min(this.config.gossipIntervalMs, deadline - this.clock.now());
          this.clock.setTimeout(check, Math.max(1, next));
        }
      };
      check();
    });
    this.statusValue = "left";
    await this.shutdown();
  }

  /** Stops at once without telling anyone (peers will detect it as failed). Idempotent. */
  async shutdown(): Promise<void> {
    if (this.statusValue === "stopped") return;
    this.statusValue = "stopped";
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.openStreams) s.abort();
    this.openStreams.clear();
    await Promise.all(
      [...new Set(this.transports.values())].map((t) => t.close().catch(() => undefined)),
    );
    this.hub.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Membership and state API

  /**
   * Hands this member a full member list as a completed push-pull exchange would, with no
   * network traffic, no events and no gossip about it. For simulations and tests that start from
   * a converged cluster; a real member learns its cluster with {@link Cluster.join}.
   */
  seedMembers(members: readonly PushPullMember[]): void {
    const now = this.clock.now();
    this.swim.seed(members, now);
    for (const m of members) {
      if (m.name !== this.name && m.status === "alive") {
        this.state.markOwnerAlive(m.name, now, m.generation);
      }
    }
    this.swim.clearBroadcasts();
    this.arm();
  }

  /** Every member known, including this one, with its status. */
  members(): Member[] {
    return this.swim.members().map((m) => this.toMember(m));
  }

  /** One member by name. */
  member(name: string): Member | undefined {
    const m = this.swim.member(name);
    return m ? this.toMember(m) : undefined;
  }

  /** Number of members (including this one) currently alive or suspect. */
  aliveCount(): number {
    return this.swim.aliveCount();
  }

  /** Replaces this member's advertised tags (metadata) and spreads the change. */
  setTags(tags: Readonly<Record<string, string>>): void {
    this.setMeta(encodeTags(tags));
  }

  /** Replaces this member's advertised metadata bytes and spreads the change. */
  setMeta(meta: Uint8Array): void {
    this.assertRunning("setMeta");
    this.swim.setMeta(meta, this.clock.now());
    this.flush();
  }

  /**
   * Sets one of this member's keys (strings are stored as UTF-8). The new version spreads to
   * every member. Throws on keys or values over the limits.
   */
  set(key: string, value: Uint8Array | string): void {
    this.assertRunning("set");
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
    const now = this.clock.now();
    const change = this.state.set(key, bytes, now);
    if (change) this.afterLocalChange(change, now);
  }

  /** Deletes one of this member's keys (a tombstone spreads, then is collected). */
  delete(key: string): boolean {
    this.assertRunning("delete");
    const now = this.clock.now();
    const change = this.state.delete(key, now);
    if (!change) return false;
    this.afterLocalChange(change, now);
    return true;
  }

  /** A key of this member, or of `owner` when given. */
  get(key: string, owner: string = this.name): Uint8Array | undefined {
    return this.state.get(owner, key)?.value;
  }

  /** A key as UTF-8 text. */
  getText(key: string, owner: string = this.name): string | undefined {
    const v = this.get(key, owner);
    return v === undefined ? undefined : new TextDecoder().decode(v);
  }

  /** All live keys of `owner` (default: this member) with their versions. */
  entries(owner: string = this.name): Array<{ key: string; value: Uint8Array; version: number }> {
    return this.state
      .entries(owner)
      .map((e) => ({ key: e.key, value: e.value, version: e.version }));
  }

  /** Owners whose state this member holds. */
  owners(): string[] {
    return this.state.owners().map((o) => o.owner);
  }

  /** This member's own keys and versions, for a snapshot to restore after a restart. */
  snapshotLocalState(): LocalSnapshot {
    return this.state.snapshot();
  }

  /**
   * Restores this member's own keys from a snapshot taken in an earlier run. The keys come back
   * in this run's (higher) generation, so they replace what peers held of the old run.
   */
  restoreLocalState(snapshot: LocalSnapshot): void {
    const now = this.clock.now();
    const changes = this.state.restore(snapshot, now);
    this.emitChanges(changes, now);
    const delta = this.state.localDelta(0, this.stateDeltaBudget());
    if (delta) this.enqueueStateDelta(delta);
    this.flush();
  }

  /** Counters of the state store (rejections by reason, ...). */
  stateCounters(): ClusterState["counters"] {
    return this.state.counters;
  }

  /** Counters of the failure detector (probes, suspicions, refutations, ...). */
  swimCounters(): Swim["counters"] {
    return this.swim.counters;
  }

  /** Broadcasts an application message to every member (best effort, infection-style). */
  broadcast(name: string, payload: Uint8Array): void {
    this.assertRunning("broadcast");
    const msg: Message = { type: "user", from: this.name, name, payload };
    const key = SeenMessages.key(this.name, name, payload);
    this.seenMessages.firstSighting(key, this.clock.now());
    this.stateQueue.enqueue(`user:${key}`, msg);
    this.flush();
  }

  /** Calls `handler` for events of one type, or every event with "*". Returns an unsubscribe. */
  on: EventHub["on"] = (type: never, handler: never) => this.hub.on(type, handler);

  /** Async iterator over future events. */
  events(): AsyncIterableIterator<ClusterEvent> {
    return this.hub.events();
  }

  // ---------------------------------------------------------------------------------------------
  // Receiving

  private async receiveDatagrams(t: Transport): Promise<void> {
    try {
      for await (const d of t.datagrams()) {
        try {
          this.onDatagram(t, d);
        } catch {
          // Nothing a peer sends may stop this loop.
          this.drop("internal");
        }
      }
    } catch {
      // The transport's iteration only ends in error when the transport breaks; nothing to do.
    }
  }

  private async receiveStreams(t: Transport): Promise<void> {
    try {
      for await (const s of t.streams()) void this.onStream(s);
    } catch {
      // As above.
    }
  }

  private drop(reason: DropReason): void {
    this.counters.drops[reason] += 1;
  }

  private decodeOrDrop(
    input: Uint8Array,
    maxBytes: number,
    channel: "datagram" | "stream" = "datagram",
  ): DecodeResult | undefined {
    let bytes = input;
    if (this.keyring) {
      if (looksSealed(input)) {
        if (input.length > maxBytes) {
          this.drop("oversized");
          return undefined;
        }
        const ad = channel === "stream" ? this.adStream : this.adDatagram;
        const opened = this.keyring.open(input, ad);
        if (!opened.ok) {
          // The keyring's failure codes (truncated, unknown-version, decrypt) are drop reasons.
          this.drop(opened.error.code as DropReason);
          return undefined;
        }
        bytes = opened.plaintext;
      } else if (this.encryption === "required") {
        this.drop("decrypt");
        return undefined;
      }
    }
    const r = decode(bytes, { maxPacketBytes: maxBytes, label: this.label });
    if (!r.ok) {
      this.drop(r.error.reason as DropReason);
      return undefined;
    }
    return r;
  }

  private onDatagram(t: Transport, d: Datagram): void {
    if (this.statusValue === "stopped" || this.statusValue === "created") return;
    this.counters.packetsIn += 1;
    this.counters.bytesIn += d.data.length;
    const r = this.decodeOrDrop(d.data, t.mtu);
    if (!r?.ok) return;
    const now = this.clock.now();
    for (const msg of r.envelope.messages) {
      this.counters.messagesIn += 1;
      try {
        this.dispatch(d.from, msg, now);
      } catch {
        this.drop("internal");
      }
    }
    this.flush();
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
      case "state-syn":
        this.answerSyn(from, msg.digest, msg.complete);
        return;
      case "state-syn-ack": {
        this.applyDelta(msg.delta, now, false);
        const budget = this.budgetFor(from) - messageSize({ type: "state-ack", delta: [] });
        const delta = this.state.deltaFor(msg.digest, msg.complete, budget);
        if (delta.length > 0) this.sendNow(from, [{ type: "state-ack", delta }]);
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

  private answerSyn(
    from: string,
    digest: Parameters<ClusterState["deltaFor"]>[0],
    complete: boolean,
  ): void {
    const total =
      this.budgetFor(from) -
      messageSize({
        type: "state-syn-ack",
        digest: [],
        complete: false,
        delta: [],
      });
    // Half the packet for our digest (so the peer can answer with what we lack), the rest for
    // what the peer lacks.
    const own = this.state.digest(Math.floor(total / 2));
    const used = messageSize({
      type: "state-syn-ack",
      digest: own.entries,
      complete: own.complete,
      delta: [],
    });
    const delta = this.state.deltaFor(digest, complete, total - used);
    this.sendNow(from, [
      { type: "state-syn-ack", digest: own.entries, complete: own.complete, delta },
    ]);
  }

  private applyDelta(delta: readonly OwnerDelta[], now: number, regossip: boolean): void {
    if (delta.length === 0) return;
    const result = this.state.apply(delta, now);
    // Our own deltas echoed back by peers are normal gossip, not something to drop-count.
    for (const r of result.rejected)
      if (r.reason !== "self") this.counters.drops["rejected-state"] += 1;
    this.emitChanges(result.changes, now);
    if (regossip && result.changes.length > 0) {
      // Infection-style: what was news to us is passed on, a bounded number of times.
      for (const d of delta) {
        if (result.changes.some((c) => c.owner === d.owner)) this.enqueueStateDelta(d);
      }
    }
  }

  private onUserMessage(msg: Extract<Message, { type: "user" }>, now: number): void {
    const key = SeenMessages.key(msg.from, msg.name, msg.payload);
    if (!this.seenMessages.firstSighting(key, now)) return;
    // Infection-style: pass it on a bounded number of times, like membership updates.
    this.stateQueue.enqueue(`user:${key}`, msg);
    this.counters.userMessages += 1;
    this.hub.emit({
      type: "user-message",
      from: msg.from,
      name: msg.name,
      payload: msg.payload,
      at: now,
    });
  }

  private async onStream(stream: Stream): Promise<void> {
    this.counters.streamsIn += 1;
    this.openStreams.add(stream);
    try {
      const frame = await withDeadline(
        this.clock,
        readFrame(stream),
        this.streamTimeoutMs,
        "stream request",
        () => stream.abort(),
      );
      const t = this.transports.get(schemeOf(stream.remote) ?? "");
      const r = frame && this.decodeOrDrop(frame, t?.maxFrameBytes ?? frame.length, "stream");
      if (!r?.ok) {
        // Nothing, or nothing we can read: free the connection at once.
        stream.abort();
        return;
      }
      const now = this.clock.now();
      for (const msg of r.envelope.messages) {
        if (msg.type === "ping") {
          if (msg.target !== this.name) continue;
          const ack: Message = { type: "ack", seq: msg.seq, source: this.name, payload: EMPTY };
          await stream.write(this.seal(encodePacket([ack], { label: this.label }), this.adStream));
        } else if (msg.type === "push-pull") {
          this.mergePushPull(msg, now);
          if (!msg.reply) await stream.write(this.encodePushPull(false, true, t?.maxFrameBytes));
        }
      }
      await stream.close();
    } catch {
      this.drop("stream-error");
      stream.abort();
    } finally {
      this.openStreams.delete(stream);
      this.flush();
    }
  }

  private mergePushPull(msg: PushPull, now: number): void {
    this.swim.mergeRemote(msg.members, now);
    this.applyDelta(msg.delta, now, false);
  }

  private encodePushPull(join: boolean, reply: boolean, maxFrameBytes = 1 << 20): Uint8Array {
    const members = this.swim.localMembers();
    const base: PushPull = {
      type: "push-pull",
      join,
      reply,
      source: this.name,
      members,
      delta: [],
    };
    const budget = maxFrameBytes - this.overhead() - messageSize(base);
    const delta = this.state.deltaFor([], true, Math.max(0, budget));
    return this.seal(encodePacket([{ ...base, delta }], { label: this.label }), this.adStream);
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  private transportFor(address: string): Transport | undefined {
    const scheme = schemeOf(address);
    return scheme === undefined ? undefined : this.transports.get(scheme);
  }

  private budgetFor(address: string): number {
    const t = this.transportFor(address);
    return (t?.mtu ?? 1400) - this.overhead();
  }

  /** Bytes of a packet that are not messages: the envelope, and the seal when encrypting. */
  private overhead(): number {
    return envelopeOverhead(this.label) + this.sealOverhead;
  }

  /** `messageSize`, but a message the codec refuses sizes as unsendable instead of throwing. */
  private readonly sizeOf = (m: Message): number => {
    try {
      return messageSize(m);
    } catch {
      return Number.MAX_SAFE_INTEGER;
    }
  };

  /** Seals an encoded packet or frame when this member sends sealed. */
  private seal(bytes: Uint8Array, ad: Uint8Array): Uint8Array {
    return this.keyring && this.sealOverhead > 0 ? this.keyring.seal(bytes, ad) : bytes;
  }

  private memberCount(): number {
    return Math.max(1, this.swim.aliveCount());
  }

  /** Sends `primary` to `to`, filling the rest of the packet with piggy-backed broadcasts. */
  private sendNow(to: string, primary: readonly Message[], piggyback = true): boolean {
    const t = this.transportFor(to);
    if (!t) {
      this.drop("no-transport");
      return false;
    }
    const now = this.clock.now();
    let budget = t.mtu - this.overhead();
    const messages: Message[] = [];
    for (const m of primary) {
      const size = this.sizeOf(m);
      if (size > budget) {
        this.drop("unfit");
        continue;
      }
      budget -= size;
      messages.push(m);
    }
    if (piggyback && budget > 8) {
      for (const m of this.swim.piggyback(budget, this.sizeOf, now)) {
        budget -= this.sizeOf(m);
        messages.push(m);
      }
      if (budget > 8) {
        const limit = retransmitLimit(this.config.retransmitMult, this.memberCount());
        for (const m of this.stateQueue.select(budget, this.sizeOf, limit)) {
          budget -= this.sizeOf(m);
          messages.push(m);
        }
      }
    }
    if (messages.length === 0) return false;
    let bytes: Uint8Array;
    try {
      bytes = this.seal(encodePacket(messages, { label: this.label }), this.adDatagram);
    } catch {
      // A message that cannot go on the wire (the codec refuses it) is dropped, not thrown.
      this.drop("unfit");
      return false;
    }
    try {
      t.send(to, bytes);
    } catch {
      this.drop("send-error");
      return false;
    }
    this.counters.packetsOut += 1;
    this.counters.bytesOut += bytes.length;
    this.counters.messagesOut += messages.length;
    return true;
  }

  private emitChanges(changes: readonly StateChange[], now: number): void {
    for (const c of changes) {
      this.counters.keysChanged += 1;
      this.hub.emit({
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

  /** Largest state delta worth piggy-backing: what fits in the smallest packet with room to spare. */
  private stateDeltaBudget(): number {
    let mtu = Number.POSITIVE_INFINITY;
    for (const t of this.transports.values()) mtu = Math.min(mtu, t.mtu);
    return Math.floor(((Number.isFinite(mtu) ? mtu : 1400) - this.overhead()) * 0.8);
  }

  private afterLocalChange(change: StateChange, now: number): void {
    const delta = this.state.localDelta(change.version - 1, this.stateDeltaBudget());
    if (delta) this.enqueueStateDelta(delta);
    this.emitChanges([change], now);
    this.flush();
  }

  private enqueueStateDelta(delta: OwnerDelta): void {
    const key =
      delta.entries.length === 1
        ? `state:${delta.owner}:${delta.entries[0]!.key}`
        : `state:${delta.owner}`;
    this.stateQueue.enqueue(key, { type: "state-delta", delta: [delta] });
  }

  // ---------------------------------------------------------------------------------------------
  // Periodic work and swim outputs

  private flush(): void {
    if (this.inFlush) return;
    this.inFlush = true;
    try {
      for (let round = 0; round < 16; round++) {
        const outputs = this.swim.drain();
        if (outputs.length === 0) break;
        for (const out of outputs) {
          try {
            this.onSwimOutput(out);
          } catch {
            this.drop("internal");
          }
        }
      }
    } finally {
      this.inFlush = false;
    }
    this.arm();
  }

  private onSwimOutput(out: SwimOutput): void {
    switch (out.kind) {
      case "send":
        this.sendNow(out.to, out.messages);
        return;
      case "stream-probe":
        void this.streamProbe(out.to, out.target, out.seq);
        return;
      case "push-pull": {
        const attempt = this.pushPull(out.to, out.join);
        if (out.join) this.joinAttempts.set(out.to, attempt);
        return;
      }
      case "event":
        this.onMemberEvent(out.event.type, out.event.member, out.event.at);
        return;
    }
  }

  private onMemberEvent(type: string, view: MemberView, at: number): void {
    const eventType = MEMBER_EVENT[type];
    if (!eventType) return;
    if (view.name !== this.name) {
      if (type === "dead" || type === "left") {
        this.state.markOwnerDead(view.name, at);
        const address = this.addressOf(view);
        if (type === "dead" && address !== undefined) {
          this.failedMembers.set(view.name, { address, since: at });
          this.failedSampler.add(view.name);
        } else {
          this.forgetFailed(view.name);
        }
      } else {
        this.forgetFailed(view.name);
        if (type === "join" || type === "update") {
          this.emitChanges(this.state.markOwnerAlive(view.name, at, view.generation), at);
        }
      }
    }
    const event: MemberEvent = { type: eventType, member: this.toMember(view), at };
    this.hub.emit(event);
  }

  private toMember(m: MemberView): Member {
    return {
      name: m.name,
      status: m.status,
      incarnation: m.incarnation,
      generation: m.generation,
      addresses: m.addresses,
      meta: m.meta,
      tags: decodeTags(m.meta),
      local: m.name === this.name,
    };
  }

  private arm(): void {
    if (this.statusValue === "stopped" || this.statusValue === "created") return;
    const at = Math.min(
      this.swim.nextWakeAt(),
      this.nextGossipAt,
      this.nextAntiEntropyAt,
      this.nextStateTickAt,
      this.nextReconnectAt,
    );
    if (at >= this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.onTimer(), Math.max(0, at - this.clock.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.statusValue === "stopped") return;
    const now = this.clock.now();
    try {
      this.swim.tick(now);
      if (now >= this.nextGossipAt) {
        this.nextGossipAt = now + this.config.gossipIntervalMs;
        this.gossipRound(now);
      }
      if (now >= this.nextAntiEntropyAt) {
        this.nextAntiEntropyAt = now + this.antiEntropyIntervalMs;
        if (this.statusValue === "running") this.antiEntropyRound(now);
      }
      if (now >= this.nextReconnectAt) {
        this.nextReconnectAt = now + this.reconnectIntervalMs;
        if (this.statusValue === "running") this.reconnectRound(now);
      }
      if (now >= this.nextStateTickAt) {
        this.nextStateTickAt = now + 1000;
        this.emitChanges(this.state.tick(now).changes, now);
      }
    } catch {
      this.drop("internal");
    }
    try {
      this.flush();
    } catch {
      this.drop("internal");
    }
  }

  private addressOf(m: MemberView): string | undefined {
    return m.addresses.find((a) => this.transportFor(a) !== undefined);
  }

  private gossipRound(now: number): void {
    if (this.swim.pendingBroadcasts() === 0 && this.stateQueue.size === 0) return;
    this.counters.gossipRounds += 1;
    for (const to of this.swim.gossipTargets(this.config.gossipFanout, now)) this.sendNow(to, []);
  }

  private forgetFailed(name: string): void {
    if (this.failedMembers.delete(name)) this.failedSampler.remove(name);
  }

  /**
   * Serf-style reconnect: try a push-pull with one random member that failed (not left) within
   * the reconnect timeout. Across a healed partition, one such exchange re-merges both sides.
   */
  private reconnectRound(now: number): void {
    const [name] = this.failedSampler.sample(1, this.rng, (n) => {
      const failed = this.failedMembers.get(n);
      if (!failed || now - failed.since > this.reconnectTimeoutMs) {
        this.failedMembers.delete(n);
        return "remove";
      }
      const m = this.swim.member(n);
      // Back among the living (or left) by other means: nothing to reconnect.
      if (m && m.status !== "dead") {
        this.failedMembers.delete(n);
        return "remove";
      }
      return true;
    });
    const failed = name === undefined ? undefined : this.failedMembers.get(name);
    if (failed) void this.pushPull(failed.address, false);
  }

  private antiEntropyRound(now: number): void {
    // A random member from swim's per-transport index (O(1), no scan of the membership).
    const [to] = this.swim.gossipTargets(1, now);
    if (!to) return;
    this.counters.antiEntropyRounds += 1;
    const budget =
      this.budgetFor(to) - messageSize({ type: "state-syn", digest: [], complete: false });
    const digest = this.state.digest(budget);
    this.sendNow(
      to,
      [{ type: "state-syn", digest: digest.entries, complete: digest.complete }],
      false,
    );
  }

  /** A full state exchange over the stream channel. Resolves true when the peer answered. */
  private async pushPull(to: string, join: boolean): Promise<boolean> {
    const t = this.transportFor(to);
    if (!t || this.statusValue === "stopped") {
      this.swim.pushPullFailed(to, this.clock.now());
      return false;
    }
    const started = this.clock.now();
    let stream: Stream | undefined;
    try {
      this.counters.pushPulls += 1;
      const exchange = async (): Promise<boolean> => {
        stream = await t.dial(to, { timeoutMs: this.streamTimeoutMs });
        this.openStreams.add(stream);
        await stream.write(this.encodePushPull(join, false, t.maxFrameBytes));
        const frame = await readFrame(stream);
        if (!frame) throw new Error("push-pull: peer closed without answering");
        const r = this.decodeOrDrop(frame, t.maxFrameBytes, "stream");
        if (!r?.ok) throw new Error("push-pull: bad answer");
        const now = this.clock.now();
        for (const msg of r.envelope.messages) {
          if (msg.type === "push-pull") this.mergePushPull(msg, now);
        }
        await stream.close();
        return true;
      };
      await withDeadline(this.clock, exchange(), this.streamTimeoutMs, `push-pull ${to}`, () =>
        stream?.abort(),
      );
      this.counters.pushPullMs += this.clock.now() - started;
      return true;
    } catch {
      this.counters.pushPullFailures += 1;
      stream?.abort();
      if (!this.stopped()) this.swim.pushPullFailed(to, this.clock.now());
      return false;
    } finally {
      if (stream) this.openStreams.delete(stream);
      this.flush();
    }
  }

  /** A fallback probe over the stream channel (memberlist's TCP ping). */
  private async streamProbe(to: string, target: string, seq: number): Promise<void> {
    const t = this.transportFor(to);
    if (!t) {
      this.swim.streamProbeResult(seq, false, this.clock.now());
      return;
    }
    this.counters.streamProbes += 1;
    let stream: Stream | undefined;
    let acked = false;
    try {
      const probe = async (): Promise<boolean> => {
        stream = await t.dial(to, { timeoutMs: this.config.probeIntervalMs });
        this.openStreams.add(stream);
        const ping: Message = {
          type: "ping",
          seq,
          target,
          source: this.name,
          sourceAddresses: this.addresses,
        };
        await stream.write(this.seal(encodePacket([ping], { label: this.label }), this.adStream));
        const frame = await readFrame(stream);
        if (!frame) return false;
        const r = this.decodeOrDrop(frame, t.maxFrameBytes, "stream");
        if (!r?.ok) return false;
        return r.envelope.messages.some((m) => m.type === "ack" && m.seq === seq);
      };
      acked = await withDeadline(
        this.clock,
        probe(),
        this.config.probeIntervalMs,
        "stream probe",
        () => stream?.abort(),
      );
    } catch {
      acked = false;
    } finally {
      if (stream) {
        this.openStreams.delete(stream);
        stream.abort();
      }
    }
    if (this.stopped()) return;
    this.swim.streamProbeResult(seq, acked, this.clock.now());
    this.flush();
  }

  /** A method, not a field test, so that checks after an `await` are not narrowed away. */
  private stopped(): boolean {
    return this.statusValue === "stopped";
  }

  private assertRunning(what: string): void {
    if (this.statusValue !== "running") {
      throw new ClusterOptionsError("status", `is ${this.statusValue}: cannot ${what}`);
    }
  }
}
