import type { Alive, Dead, MemberStatus, Message, PushPullMember, Suspect } from "@grapevine/codec";
import { firstSendableAddress, schemeOf, schemesOf } from "./addresses.js";
import { Awareness } from "./awareness.js";
import { BroadcastQueue } from "./broadcast-queue.js";
import { type SwimConfig, SwimConfigError, validateSwimConfig } from "./config.js";
import { createCounters, type SwimCounters } from "./counters.js";
import {
  expectedConfirmations,
  pushPullInterval,
  retransmitLimit,
  suspicionTimeout,
} from "./formulas.js";
import {
  FORGOTTEN,
  IN_PROBE_ORDER,
  isLive,
  MemberTable,
  type MemberView,
  sameAddresses,
  sameMeta,
} from "./members.js";
import { aliveVerdict, deadVerdict, suspectVerdict } from "./merge.js";
import type { MemberEventType, SwimOutput } from "./output.js";
import { type ProbeHost, Prober, type ProbeTarget, type ProbeTimer } from "./probe.js";
import { ProbeOrder } from "./probe-order.js";
import { type Rng, randomIndex } from "./rng.js";
import { SchemeGroups } from "./scheme-groups.js";
import { Suspicion } from "./suspicion.js";
import { TimerSet } from "./timers.js";

/** This node's own identity, as given to {@link Swim}. */
export interface SwimSelf {
  /** Unique member name. */
  readonly name: string;
  /** Our address URLs; their schemes decide which peers we can reach directly. */
  readonly addresses: readonly string[];
  /** Opaque application metadata advertised with every `alive`. */
  readonly meta: Uint8Array;
  /** Restart counter of this process: raise it on every restart under the same name. */
  readonly generation: number;
  /** Starting incarnation; default 0. */
  readonly incarnation?: bigint;
  /**
   * Schemes we can send to beyond those of our own addresses: a transport may dial schemes it
   * does not listen on (a dial-only WebSocket node reaches `ws://` peers; a listener answers
   * `ws-client://` peers over the links they opened).
   */
  readonly sendSchemes?: readonly string[];
}

/** Everything {@link Swim} needs at construction. */
export interface SwimOptions {
  /** A validated configuration (see `swimConfig`). */
  readonly config: SwimConfig;
  readonly self: SwimSelf;
  /** The only source of randomness: same seed, same run. */
  readonly rng: Rng;
  /** Current time, ms. */
  readonly now: number;
  /**
   * Seed of the hash index over member names. It changes no behaviour, only the index layout;
   * a runtime should pass a secret random value so that peers cannot choose names that collide.
   * Default 0.
   */
  readonly hashSeed?: number;
}

/** Largest incarnation accepted from peers: 2⁶⁴ − 2 (see `Swim.plausible`). */
const MAX_INCARNATION = 2n ** 64n - 1n;

/** What an `alive` says about a member; also the shape of a push-pull entry. */
type AliveClaim = Omit<Alive, "type">;

/** Membership broadcasts: what piggy-backs on packets (SWIM §4.1). */
type Broadcast = Alive | Suspect | Dead;

type SwimTimer =
  | ProbeTimer
  | { readonly kind: "probe"; readonly token: number }
  | { readonly kind: "suspicion"; readonly slot: number; readonly suspicion: Suspicion }
  | { readonly kind: "reap"; readonly name: string; readonly changedAt: number }
  | { readonly kind: "push-pull"; readonly token: number };

/**
 * The SWIM failure detector with the Lifeguard refinements, and the membership list it keeps
 * (SWIM: Das, Gupta, Motivala 2002; Lifeguard: Dadgar, Phillips, Currey 2018).
 *
 * Sans-IO: every entry point is synchronous and takes the current time `now` (ms); randomness
 * comes from the injected {@link Rng}; what to send and what happened is collected as plain
 * {@link SwimOutput}s, taken with {@link Swim.drain}; {@link Swim.nextWakeAt} says when to call
 * {@link Swim.tick} next. The same inputs with the same seed give the same outputs.
 *
 * What it does each protocol period: probe the next member of a randomised round-robin walk
 * with `ping`; without an ack in the probe timeout, ask K members to `ping-req` it (and ask the
 * runtime for a stream probe); without any ack by the end of the period, suspect it. Suspicions
 * are gossiped; an unrefuted suspect is declared dead after the (dynamic) suspicion timeout;
 * dead and left members are gossiped about for `gossipToTheDeadMs`, then forgotten.
 */
export class Swim {
  /** The configuration in force. */
  readonly config: SwimConfig;
  /** Our member name. */
  readonly name: string;
  /** Running totals (read-only to callers). */
  readonly counters: Readonly<SwimCounters>;

  private readonly count: SwimCounters;
  private readonly rng: Rng;
  /** Our own slot in {@link table}: always the first. */
  private readonly self = 0;
  private readonly ownSchemes: ReadonlySet<string>;
  private readonly table: MemberTable;
  /** Suspicions in progress, by slot. */
  private readonly suspicions = new Map<number, Suspicion>();
  private readonly order: ProbeOrder;
  private readonly groups: SchemeGroups;
  private readonly timers = new TimerSet<SwimTimer>();
  private readonly queue: BroadcastQueue<Broadcast>;
  /** When our last periodic push-pull started (construction time before the first), ms. */
  private lastPushPullAt: number;
  private readonly awareness: Awareness;
  private readonly prober: Prober;
  private readonly pendingJoins = new Set<string>();
  private outputs: SwimOutput[] = [];
  private aliveTotal = 0;
  private liveTotal = 0;
  private leaving = false;
  private probeToken = 0;
  private pushPullToken = 0;
  private seeds: string[] = [];
  private hasJoined = false;

  /**
   * @throws SwimConfigError when the configuration or our own identity is invalid.
   */
  constructor(options: SwimOptions) {
    this.config = validateSwimConfig(options.config);
    const self = options.self;
    if (typeof self.name !== "string" || self.name === "") {
      throw new SwimConfigError("self.name", "must be a non-empty string");
    }
    if (!Array.isArray(self.addresses)) {
      throw new SwimConfigError("self.addresses", "must be an array of address URLs");
    }
    if (!Number.isSafeInteger(self.generation) || self.generation < 0) {
      throw new SwimConfigError(
        "self.generation",
        `must be a non-negative integer (got ${self.generation})`,
      );
    }
    const incarnation = self.incarnation ?? 0n;
    if (typeof incarnation !== "bigint" || incarnation < 0n) {
      throw new SwimConfigError("self.incarnation", "must be a non-negative bigint");
    }
    if (!Number.isFinite(options.now)) {
      throw new SwimConfigError("now", `must be a finite number of ms (got ${options.now})`);
    }
    this.name = self.name;
    this.rng = options.rng;
    this.count = createCounters();
    this.counters = this.count;
    const schemes = [
      ...new Set([...schemesOf(self.addresses), ...(self.sendSchemes ?? [])]),
    ].sort();
    this.ownSchemes = new Set(schemes);
    this.table = new MemberTable(options.hashSeed ?? 0);
    this.groups = new SchemeGroups(schemes, this.table);
    this.order = new ProbeOrder(options.rng);
    this.queue = new BroadcastQueue<Broadcast>({ limit: this.config.broadcastQueueLimit });
    this.lastPushPullAt = options.now;
    this.awareness = new Awareness(
      this.config.awarenessMaxMultiplier,
      this.config.lifeguard.awareness,
    );
    const host: ProbeHost = {
      name: self.name,
      addresses: self.addresses.slice(),
      ownSchemes: this.ownSchemes,
      config: this.config,
      awareness: this.awareness,
      counters: this.count,
      send: (to, messages) => {
        this.outputs.push({ kind: "send", to, messages });
      },
      streamProbe: (to, target, seq, deadlineAt) => {
        this.outputs.push({ kind: "stream-probe", to, target, seq, deadlineAt });
      },
      schedule: (at, timer) => this.timers.schedule(at, timer),
      relaysFor: (target, count) =>
        this.groups
          .sampleRelays(target.slot, count, this.rng)
          .map((slot) => this.table.addresses(slot)),
      probeFailed: (target, now) => this.probeFailed(target, now),
    };
    this.prober = new Prober(host);
    const now = options.now;
    this.table.add(
      self.name,
      incarnation,
      self.generation,
      "alive",
      host.addresses,
      self.meta,
      now,
    );
    this.aliveTotal = 1;
    this.liveTotal = 1;
    // The first probe lands at a random point of the first period (memberlist staggers its probe
    // ticker the same way): members started together must not probe in lockstep, or every
    // detection time in the cluster is quantised to the period boundaries.
    const firstProbe = now + Math.floor(this.rng.next() * this.config.probeIntervalMs) + 1;
    this.timers.schedule(firstProbe, { kind: "probe", token: 0 });
    if (this.config.pushPullIntervalMs > 0) {
      // Staggered so that nodes started together do not exchange state in lockstep.
      const first = now + Math.floor(this.rng.next() * this.config.pushPullIntervalMs);
      this.timers.schedule(first, { kind: "push-pull", token: 0 });
    }
    this.emit("join", this.self, now);
  }

  // ───────────────────────────── entry points ─────────────────────────────

  /**
   * Join a cluster through seed addresses (some may be down): ask the runtime for a join
   * push-pull with each seed we share a transport with, and send each our `alive`. Seeds that are
   * our own addresses are skipped. If no exchange succeeds, the periodic push-pull timer retries a
   * random seed for as long as we know no other member.
   */
  join(seedAddresses: readonly string[], _now: number): void {
    const own = new Set(this.table.addresses(this.self));
    const seeds: string[] = [];
    for (const seed of seedAddresses) {
      if (own.has(seed) || seeds.includes(seed)) continue;
      if (!this.ownSchemes.has(schemeOf(seed))) continue;
      seeds.push(seed);
    }
    this.seeds = seeds;
    if (this.leaving) return;
    // Our own alive is gossiped too, so every member hears of us, not only the seeds.
    if (seeds.length > 0) this.queue.enqueue(this.name, this.selfAlive());
    for (const seed of seeds) {
      this.pendingJoins.add(seed);
      this.outputs.push({ kind: "push-pull", to: seed, join: true });
      this.outputs.push({ kind: "send", to: seed, messages: [this.selfAlive()] });
    }
  }

  /**
   * Process one message received from `fromAddress` (the address URL it came from; replies go
   * there). Handles ping, ping-req, ack, nack, alive, suspect and dead; other types are ignored.
   */
  handle(fromAddress: string, message: Message, now: number): void {
    switch (message.type) {
      case "ping":
        this.prober.onPing(fromAddress, message);
        return;
      case "ping-req":
        this.prober.onPingReq(fromAddress, message, now);
        return;
      case "ack":
        this.prober.onAck(message);
        return;
      case "nack":
        this.prober.onNack(message);
        return;
      case "alive":
        if (this.plausible(message.incarnation)) this.onAlive(message, now);
        return;
      case "suspect":
        if (this.plausible(message.incarnation)) this.onSuspect(message, now);
        return;
      case "dead":
        if (this.plausible(message.incarnation)) this.onDead(message, now);
        return;
      default:
        return;
    }
  }

  /**
   * An incarnation a real member can hold. The last uint64 value is refused: no member counts
   * that high, and a claim there could not be refuted (the refutation would not fit the wire), so
   * it can only be a forgery meant to silence a member for good.
   */
  private plausible(incarnation: bigint): boolean {
    if (incarnation < MAX_INCARNATION) return true;
    this.count.implausibleIncarnations += 1;
    return false;
  }

  /**
   * Merge a peer's full member list from a push-pull exchange (join bootstrap, partition heal).
   * Alive entries are merged as `alive` messages; a `left` entry as a graceful leave; `suspect`
   * and `dead` entries make us suspect the member ourselves rather than declare it dead at once
   * (as memberlist does), learning it first if it is unknown or a newer generation.
   */
  mergeRemote(members: readonly PushPullMember[], now: number): void {
    // A peer's list is about the size of the cluster: grow the table once, to fit.
    this.table.reserve(members.length + 1);
    let learned = false;
    for (const remote of members) {
      if (!this.plausible(remote.incarnation)) continue;
      if (remote.name === this.name) {
        this.remoteAboutSelf(remote);
        continue;
      }
      learned = true;
      const held = this.table.find(remote.name);
      const heldGeneration = held < 0 ? -1 : this.table.generation(held);
      if (held >= 0 && remote.generation < heldGeneration) continue;
      switch (remote.status) {
        case "alive":
          this.onAlive(remote, now, held);
          break;
        case "left":
          // A newer life that has already left: learn it, then its leave.
          if (held >= 0 && remote.generation > heldGeneration) {
            this.onAlive(remote, now);
          }
          this.onDead(
            { type: "dead", name: remote.name, incarnation: remote.incarnation, from: remote.name },
            now,
          );
          break;
        case "suspect":
        case "dead":
          if (held < 0 && remote.status === "dead") break;
          if (held < 0 || remote.generation > heldGeneration) {
            this.onAlive(remote, now);
          }
          this.onSuspect(
            {
              type: "suspect",
              name: remote.name,
              incarnation: remote.incarnation,
              from: this.name,
            },
            now,
          );
          break;
      }
    }
    if (learned) {
      this.hasJoined = true;
      this.pendingJoins.clear();
    }
  }

  /**
   * Learn `members` out of band, as members everyone already knows: unknown alive ones are
   * listed and enter the probe walk, with no events and no broadcasts; everything else is
   * skipped. For a runtime starting from a converged membership (a simulation of a running
   * cluster), where N joins would be noise. O(members).
   */
  seed(members: readonly PushPullMember[], now: number): void {
    const table = this.table;
    table.reserve(table.size + members.length);
    for (const m of members) {
      if (m.status !== "alive" || m.name === this.name || !this.plausible(m.incarnation)) continue;
      if (table.find(m.name) >= 0) continue;
      this.listNew(m, now);
      this.hasJoined = true;
    }
  }

  /** Our full member list for a push-pull exchange: every member not yet forgotten, ourselves included. */
  localMembers(): PushPullMember[] {
    const table = this.table;
    const members: PushPullMember[] = [];
    for (let slot = 0; slot < table.slotEnd; slot++) {
      if (table.has(slot)) members.push(table.toPushPull(slot));
    }
    return members;
  }

  /**
   * The outcome of a `stream-probe` the runtime ran for probe `seq`. An ack saves the probe (it
   * is counted in `streamProbeAcks`: datagrams failed where the stream worked); results for a probe
   * that has already ended are ignored.
   */
  streamProbeResult(seq: number, acked: boolean, _now: number): void {
    this.prober.onStreamProbeResult(seq, acked);
  }

  /** A join seed or push-pull peer could not be reached by the runtime. */
  pushPullFailed(address: string, _now: number): void {
    this.count.pushPullFailures += 1;
    this.pendingJoins.delete(address);
  }

  /** Run every timer due at or before `now` (probes, timeouts, suspicions, reaping, push-pull). */
  tick(now: number): void {
    for (;;) {
      const timer = this.timers.popDue(now);
      if (timer === undefined) return;
      this.fire(timer, now);
    }
  }

  /** When {@link tick} next has something to do, ms; Infinity if nothing is scheduled. */
  nextWakeAt(): number {
    // Drop stale timers at the head so the runtime is not woken for nothing.
    for (;;) {
      const head = this.timers.peek();
      if (head === undefined) return Number.POSITIVE_INFINITY;
      if (!this.isStale(head.payload)) return head.at;
      this.timers.popDue(head.at);
    }
  }

  /**
   * Leave gracefully: broadcast `dead` about ourselves at a higher incarnation, so that peers
   * report us as `left` rather than failed, and stop probing. Keep calling {@link piggyback} (the
   * runtime's gossip rounds) until {@link pendingBroadcasts} is 0 or a grace period passes, then
   * shut down. Idempotent.
   */
  leave(now: number): void {
    if (this.leaving) return;
    this.leaving = true;
    this.prober.stop();
    this.probeToken += 1;
    this.pushPullToken += 1;
    this.pendingJoins.clear();
    const incarnation = this.table.incarnation(this.self) + 1n;
    this.table.setIncarnation(this.self, incarnation);
    this.setStatus(this.self, "left", now);
    this.queue.enqueue(this.name, { type: "dead", name: this.name, incarnation, from: this.name });
    this.emit("left", this.self, now);
  }

  /**
   * Advertise new metadata: `alive` at incarnation + 1.
   * @throws Error after {@link leave}.
   */
  setMeta(meta: Uint8Array, now: number): void {
    if (this.leaving) throw new Error("swim: cannot set metadata after leaving");
    this.table.setMeta(this.self, meta);
    this.table.setIncarnation(this.self, this.table.incarnation(this.self) + 1n);
    this.queue.enqueue(this.name, this.selfAlive());
    this.emit("update", this.self, now);
  }

  /**
   * Membership broadcasts that fit in `budgetBytes`, least-sent first, to piggy-back on an
   * outgoing packet (SWIM §4.1). Each is counted as one transmission and leaves the queue after
   * retransmitMult·⌈log10(N+1)⌉ of them.
   *
   * @param budgetBytes room left in the packet, bytes.
   * @param sizeOf encoded size of a message in the packet, bytes.
   */
  piggyback(budgetBytes: number, sizeOf: (m: Message) => number, _now: number): Message[] {
    const limit = retransmitLimit(this.config.retransmitMult, this.liveTotal);
    const picked = this.queue.select(budgetBytes, sizeOf, limit);
    this.count.broadcastsSent += picked.length;
    return picked;
  }

  /**
   * Addresses of up to `count` random members for a gossip round: members we share a transport
   * with, alive or suspect, and dead or left ones not yet forgotten (gossip to the dead, so a
   * member wrongly declared dead learns it and refutes).
   */
  gossipTargets(count: number, _now: number): string[] {
    const targets: string[] = [];
    for (const slot of this.groups.sampleGossipTargets(count, this.rng)) {
      const address = firstSendableAddress(this.table.addresses(slot), this.ownSchemes);
      if (address !== undefined) targets.push(address);
    }
    return targets;
  }

  /** Everything produced since the last call, oldest first. */
  drain(): SwimOutput[] {
    const outputs = this.outputs;
    this.outputs = [];
    return outputs;
  }

  /** Snapshots of every member not yet forgotten, ourselves included. O(N). */
  members(): MemberView[] {
    const table = this.table;
    const views: MemberView[] = [];
    for (let slot = 0; slot < table.slotEnd; slot++) {
      if (table.has(slot)) views.push(table.view(slot));
    }
    return views;
  }

  /** A snapshot of one member, if known. */
  member(name: string): MemberView | undefined {
    const slot = this.table.find(name);
    return slot < 0 ? undefined : this.table.view(slot);
  }

  /** Members currently alive, ourselves included (until we leave). */
  aliveCount(): number {
    return this.aliveTotal;
  }

  /** Lifeguard §3.1 local health score: 0 is healthy, up to awarenessMaxMultiplier − 1. */
  health(): number {
    return this.awareness.score;
  }

  /** Our current incarnation. */
  incarnation(): bigint {
    return this.table.incarnation(this.self);
  }

  /** Whether a push-pull exchange has brought us another member's view (or we were told of one). */
  joined(): boolean {
    return this.hasJoined;
  }

  /** Membership broadcasts still waiting to be sent. */
  pendingBroadcasts(): number {
    return this.queue.size;
  }

  /**
   * Forgets every pending membership broadcast. For a runtime that seeds a converged membership
   * out of band (a simulation starting from a converged cluster), where gossiping it is noise.
   */
  clearBroadcasts(): void {
    this.queue.clear();
  }

  // ───────────────────────────── timers ─────────────────────────────

  private isStale(timer: SwimTimer): boolean {
    switch (timer.kind) {
      case "probe":
        return timer.token !== this.probeToken;
      case "probe-timeout":
      case "probe-deadline":
      case "relay-nack":
      case "relay-expire":
        return this.prober.isStale(timer);
      case "suspicion":
        return this.suspicions.get(timer.slot) !== timer.suspicion;
      case "reap": {
        const slot = this.table.find(timer.name);
        return (
          slot < 0 ||
          this.table.stateChangedAt(slot) !== timer.changedAt ||
          isLive(this.table.status(slot))
        );
      }
      case "push-pull":
        return timer.token !== this.pushPullToken;
    }
  }

  private fire(timer: SwimTimer, now: number): void {
    if (this.isStale(timer)) return;
    switch (timer.kind) {
      case "probe":
        this.startProbe(now);
        return;
      case "probe-timeout":
      case "probe-deadline":
      case "relay-nack":
      case "relay-expire":
        this.prober.fire(timer, now);
        return;
      case "suspicion":
        this.suspicionExpired(timer.slot, timer.suspicion, now);
        return;
      case "reap":
        this.reap(this.table.find(timer.name));
        return;
      case "push-pull":
        this.periodicPushPull(now);
        return;
    }
  }

  // ───────────────────────────── probing (SWIM §3, §4.3) ─────────────────────────────

  private readonly probeEligible = (slot: number): boolean => {
    const table = this.table;
    return (
      (table.flags[slot]! & FORGOTTEN) === 0 &&
      isLive(table.status(slot)) &&
      (firstSendableAddress(table.addresses(slot), this.ownSchemes) !== undefined ||
        this.groups.hasRelayFor(slot))
    );
  };

  private readonly probeRetain = (slot: number): boolean => {
    const table = this.table;
    const forgotten = (table.flags[slot]! & FORGOTTEN) !== 0;
    const keep = !forgotten && isLive(table.status(slot));
    if (!keep) {
      table.flags[slot]! &= ~IN_PROBE_ORDER;
      // The walk was the last holder of a forgotten slot: it may now be reused.
      if (forgotten) table.release(slot);
    }
    return keep;
  };

  private startProbe(now: number): void {
    const deadlineAt = now + this.awareness.scale(this.config.probeIntervalMs);
    const slot = this.order.next(this.probeEligible, this.probeRetain);
    if (slot !== undefined) this.prober.start(this.probeTarget(slot), now, deadlineAt);
    this.timers.schedule(deadlineAt, { kind: "probe", token: this.probeToken });
  }

  private probeTarget(slot: number): ProbeTarget {
    const table = this.table;
    return {
      slot,
      name: table.name(slot),
      addresses: table.addresses(slot),
      status: table.status(slot),
      incarnation: table.incarnation(slot),
    };
  }

  private probeFailed(target: ProbeTarget, now: number): void {
    const slot = target.slot;
    if (this.table.find(target.name) !== slot || !isLive(this.table.status(slot))) return;
    this.count.suspicionsRaised += 1;
    this.onSuspect(
      {
        type: "suspect",
        name: target.name,
        incarnation: this.table.incarnation(slot),
        from: this.name,
      },
      now,
    );
  }

  // ───────────────────────────── membership (SWIM §4.2) ─────────────────────────────

  /**
   * An `alive` claim, from a message or a push-pull entry. `held` is the claimed member's slot
   * when the caller has already looked it up.
   */
  private onAlive(alive: AliveClaim, now: number, held = this.table.find(alive.name)): void {
    if (alive.name === this.name) {
      this.aliveAboutSelf(alive);
      return;
    }
    const table = this.table;
    if (held < 0) {
      const slot = this.listNew(alive, now);
      this.emit("join", slot, now);
      this.queue.enqueue(alive.name, aliveMessage(alive));
      return;
    }
    const was = table.status(held);
    const verdict = aliveVerdict(
      {
        status: was,
        incarnation: table.incarnation(held),
        generation: table.generation(held),
        addresses: table.addresses(held),
      },
      alive,
    );
    if (verdict === "stale") return;
    const movedAddresses = !sameAddresses(table.addresses(held), alive.addresses);
    const changed =
      table.generation(held) !== alive.generation ||
      movedAddresses ||
      !sameMeta(table.meta(held), alive.meta);
    table.setIncarnation(held, alive.incarnation);
    table.setGeneration(held, alive.generation);
    table.setMeta(held, alive.meta);
    if (movedAddresses) {
      this.groups.detach(held);
      table.setAddresses(held, alive.addresses);
      this.groups.assign(held);
      this.groups.attach(held);
    }
    if (was !== "alive") {
      this.suspicions.delete(held);
      this.setStatus(held, "alive", now);
    }
    if (was === "dead" || was === "left") {
      this.emit("join", held, now);
    } else if (was === "suspect") {
      this.count.suspicionsRefuted += 1;
      this.emit("alive", held, now);
    } else if (changed) {
      this.emit("update", held, now);
    }
    this.queue.enqueue(alive.name, aliveMessage(alive));
  }

  /** Add a member we did not know, alive, to the table, its group and the probe walk. */
  private listNew(m: AliveClaim, now: number): number {
    const slot = this.table.add(
      m.name,
      m.incarnation,
      m.generation,
      "alive",
      m.addresses,
      m.meta,
      now,
    );
    this.groups.assign(slot);
    this.aliveTotal += 1;
    this.liveTotal += 1;
    this.groups.attach(slot);
    this.enterProbeOrder(slot);
    return slot;
  }

  private onSuspect(suspect: Suspect, now: number): void {
    const table = this.table;
    if (suspect.name === this.name) {
      if (!this.leaving && suspect.incarnation >= table.incarnation(this.self)) {
        this.refute(suspect.incarnation, true);
      }
      return;
    }
    const held = table.find(suspect.name);
    if (held < 0) return;
    const verdict = suspectVerdict(
      { status: table.status(held), incarnation: table.incarnation(held) },
      suspect.incarnation,
    );
    if (verdict === "suspect") {
      table.setIncarnation(held, suspect.incarnation);
      this.setStatus(held, "suspect", now);
      const n = this.liveTotal;
      const minMs = suspicionTimeout(this.config.suspicionMult, n, this.config.probeIntervalMs);
      const dynamic = this.config.lifeguard.dynamicSuspicion;
      const suspicion = new Suspicion({
        from: suspect.from,
        startedAt: now,
        minMs,
        maxMs: dynamic ? this.config.suspicionMaxTimeoutMult * minMs : minMs,
        expectedConfirmations: dynamic ? expectedConfirmations(this.config.suspicionMult, n) : 0,
      });
      this.suspicions.set(held, suspicion);
      this.timers.schedule(suspicion.deadline(), { kind: "suspicion", slot: held, suspicion });
      this.emit("suspect", held, now);
      this.queue.enqueue(suspect.name, suspect);
    } else if (verdict === "confirm") {
      if (suspect.incarnation > table.incarnation(held)) {
        table.setIncarnation(held, suspect.incarnation);
      }
      const suspicion = this.suspicions.get(held);
      if (suspicion?.confirm(suspect.from)) {
        // Lifeguard §3.2: an independent confirmation shortens the timeout; pass it on.
        this.timers.schedule(suspicion.deadline(), { kind: "suspicion", slot: held, suspicion });
        this.queue.enqueue(suspect.name, suspect);
      }
    }
  }

  private suspicionExpired(slot: number, suspicion: Suspicion, now: number): void {
    const table = this.table;
    if (table.status(slot) !== "suspect") return;
    if (now < suspicion.deadline()) {
      this.timers.schedule(suspicion.deadline(), { kind: "suspicion", slot, suspicion });
      return;
    }
    this.count.deadDeclared += 1;
    this.onDead(
      {
        type: "dead",
        name: table.name(slot),
        incarnation: table.incarnation(slot),
        from: this.name,
      },
      now,
    );
  }

  private onDead(dead: Dead, now: number): void {
    const table = this.table;
    if (dead.name === this.name) {
      if (!this.leaving && dead.incarnation >= table.incarnation(this.self)) {
        this.refute(dead.incarnation, true);
      }
      return;
    }
    const held = table.find(dead.name);
    if (held < 0) return;
    const verdict = deadVerdict(
      { status: table.status(held), incarnation: table.incarnation(held) },
      dead.incarnation,
      dead.from === dead.name,
    );
    if (verdict !== "dead" && verdict !== "left") return;
    table.setIncarnation(held, dead.incarnation);
    this.suspicions.delete(held);
    this.setStatus(held, verdict, now);
    this.timers.schedule(now + this.config.gossipToTheDeadMs, {
      kind: "reap",
      name: dead.name,
      changedAt: now,
    });
    this.emit(verdict, held, now);
    this.queue.enqueue(dead.name, dead);
  }

  private reap(slot: number): void {
    const table = this.table;
    this.groups.detach(slot);
    table.forget(slot);
    // Out of the probe walk already (it drops non-live entries when a round ends): reuse now.
    if ((table.flags[slot]! & IN_PROBE_ORDER) === 0) table.release(slot);
    this.count.membersReaped += 1;
  }

  private aliveAboutSelf(alive: AliveClaim): void {
    if (this.leaving) return;
    const table = this.table;
    const generation = table.generation(this.self);
    const incarnation = table.incarnation(this.self);
    if (alive.generation > generation) {
      this.count.nameConflicts += 1;
      return;
    }
    if (alive.generation < generation) {
      // An echo of our previous life: outbid it so its stale suspicions cannot touch us.
      if (alive.incarnation >= incarnation) this.refute(alive.incarnation, false);
      return;
    }
    if (
      alive.incarnation > incarnation ||
      (alive.incarnation === incarnation &&
        (!sameAddresses(alive.addresses, table.addresses(this.self)) ||
          !sameMeta(alive.meta, table.meta(this.self))))
    ) {
      this.refute(alive.incarnation, false);
    }
  }

  private remoteAboutSelf(remote: PushPullMember): void {
    if (this.leaving) return;
    const generation = this.table.generation(this.self);
    if (remote.generation > generation) {
      this.count.nameConflicts += 1;
      return;
    }
    if (remote.status === "alive") {
      this.aliveAboutSelf(remote);
    } else if (remote.incarnation >= this.table.incarnation(this.self)) {
      this.refute(remote.incarnation, remote.generation === generation);
    }
  }

  /**
   * SWIM §4.2: outbid a claim about us by raising our incarnation above it and broadcasting
   * `alive`. Lifeguard §3.1: having to refute suspicion of oneself is a sign of being slow.
   */
  private refute(claimed: bigint, penalise: boolean): void {
    const held = this.table.incarnation(this.self);
    this.table.setIncarnation(this.self, (claimed > held ? claimed : held) + 1n);
    if (penalise) {
      this.count.refutations += 1;
      this.awareness.applyDelta(1);
    }
    this.queue.enqueue(this.name, this.selfAlive());
  }

  private setStatus(slot: number, status: MemberStatus, now: number): void {
    const table = this.table;
    const was = table.status(slot);
    if (was === status) return;
    this.groups.detach(slot);
    if (was === "alive") this.aliveTotal -= 1;
    if (isLive(was)) this.liveTotal -= 1;
    table.setStatus(slot, status);
    table.setStateChangedAt(slot, now);
    if (status === "alive") this.aliveTotal += 1;
    if (isLive(status)) this.liveTotal += 1;
    this.groups.attach(slot);
    if (isLive(status)) this.enterProbeOrder(slot);
  }

  private enterProbeOrder(slot: number): void {
    const flags = this.table.flags;
    if (slot === this.self || (flags[slot]! & IN_PROBE_ORDER) !== 0) return;
    flags[slot]! |= IN_PROBE_ORDER;
    this.order.insert(slot);
  }

  // ───────────────────────────── push-pull ─────────────────────────────

  private periodicPushPull(now: number): void {
    const next = pushPullInterval(this.config.pushPullIntervalMs, this.liveTotal);
    if (this.hasJoined && now - this.lastPushPullAt < next / 2) {
      // The cluster has grown since this timer was set: wait for the interval of its current
      // size instead (still at a random point, so members do not exchange in lockstep).
      const at = this.lastPushPullAt + next * (0.5 + this.rng.next());
      this.timers.schedule(at, { kind: "push-pull", token: this.pushPullToken });
      return;
    }
    this.lastPushPullAt = now;
    this.timers.schedule(now + next, { kind: "push-pull", token: this.pushPullToken });
    const peer = this.groups.randomAlive(this.rng);
    const to =
      peer === undefined
        ? undefined
        : firstSendableAddress(this.table.addresses(peer), this.ownSchemes);
    if (to !== undefined) {
      this.outputs.push({ kind: "push-pull", to, join: false });
    } else if (!this.hasJoined && this.seeds.length > 0) {
      const seed = this.seeds[randomIndex(this.rng, this.seeds.length)]!;
      this.pendingJoins.add(seed);
      this.outputs.push({ kind: "push-pull", to: seed, join: true });
    }
  }

  // ───────────────────────────── helpers ─────────────────────────────

  private selfAlive(): Alive {
    const table = this.table;
    const self = this.self;
    return {
      type: "alive",
      name: this.name,
      incarnation: table.incarnation(self),
      generation: table.generation(self),
      addresses: table.addresses(self),
      meta: table.meta(self),
    };
  }

  private emit(type: MemberEventType, slot: number, now: number): void {
    this.outputs.push({ kind: "event", event: { type, member: this.table.view(slot), at: now } });
  }
}

/** `claim` as an `alive` message: itself when it is one, else a copy of its fields. */
function aliveMessage(claim: AliveClaim): Alive {
  if ((claim as Partial<Alive>).type === "alive") return claim as Alive;
  return {
    type: "alive",
    name: claim.name,
    incarnation: claim.incarnation,
    generation: claim.generation,
    addresses: claim.addresses,
    meta: claim.meta,
  };
}
