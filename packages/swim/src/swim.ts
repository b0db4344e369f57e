import type { Message, PushPullMember } from "@grapevine/codec";
import { isLive, type Rng } from "@grapevine/protocol";
import { firstSendableAddress, reachableSchemes, schemesOf } from "./addresses.js";
import { Awareness } from "./awareness.js";
import { type SwimConfig, validateSwimConfig } from "./config.js";
import { createCounters, type SwimCounters } from "./counters.js";
import { probePeriodEnd } from "./formulas.js";
import { Gossip } from "./gossip.js";
import { FORGOTTEN, IN_PROBE_ORDER, type MemberView } from "./members.js";
import { Membership, type MembershipTimer } from "./membership.js";
import type { SwimOutput } from "./output.js";
import { type ProbeHost, Prober, type ProbeTarget, type ProbeTimer } from "./probe.js";
import { PushPull, type PushPullTimer } from "./push-pull.js";
import { answerToStaleClaim } from "./refutation.js";
import type { SeedList } from "./seed.js";
import { type SwimOptions, validateSelf } from "./swim-options.js";
import { TimerSet } from "./timers.js";

export type { SwimOptions, SwimSelf } from "./swim-options.js";

type SwimTimer =
  | ProbeTimer
  | { readonly kind: "probe"; readonly token: number }
  | MembershipTimer
  | PushPullTimer;

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
 *
 * This class is the entry points and the schedule; the rules live in one file each: probing in
 * `probe.ts`, the membership list and its merge rules in `membership.ts`, joining and full state
 * exchange in `push-pull.ts`.
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
  private readonly ownSchemes: ReadonlySet<string>;
  private readonly membership: Membership;
  private readonly timers = new TimerSet<SwimTimer>();
  private readonly awareness: Awareness;
  private readonly prober: Prober;
  private readonly pushPull: PushPull;
  private readonly gossip: Gossip;
  private outputs: SwimOutput[] = [];
  private probeToken = 0;
  /** When the probe timer last armed was due, ms (see {@link probePeriodEnd}). */
  private probeDueAt = 0;

  /**
   * @throws SwimConfigError when the configuration or our own identity is invalid.
   */
  constructor(options: SwimOptions) {
    this.config = validateSwimConfig(options.config);
    const self = options.self;
    const incarnation = validateSelf(self, options.now);
    this.name = self.name;
    this.rng = options.rng;
    this.count = createCounters();
    this.counters = this.count;
    const schemes = [
      ...new Set([...reachableSchemes(schemesOf(self.addresses)), ...(self.sendSchemes ?? [])]),
    ].sort();
    this.ownSchemes = new Set(schemes);
    this.awareness = new Awareness(
      this.config.awarenessMaxMultiplier,
      this.config.lifeguard.awareness,
    );
    const now = options.now;
    const addresses = self.addresses.slice();
    const output = (o: SwimOutput): void => {
      this.outputs.push(o);
    };
    const schedule = (at: number, timer: SwimTimer): void => this.timers.schedule(at, timer);
    const membership = new Membership(
      {
        config: this.config,
        counters: this.count,
        awareness: this.awareness,
        schedule,
        output,
        send: (to, messages) => {
          const address = firstSendableAddress(to, this.ownSchemes);
          if (address !== undefined) this.outputs.push({ kind: "send", to: address, messages });
        },
        broadcasts: options.broadcasts,
        registry: options.registry,
      },
      schemes,
      options.rng,
      options.hashSeed ?? 0,
      { name: self.name, incarnation, generation: self.generation, addresses, meta: self.meta },
      now,
    );
    this.membership = membership;
    const host: ProbeHost = {
      name: self.name,
      addresses,
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
      schedule,
      relaysFor: (target, count) =>
        membership.groups
          .sampleRelays(target.slot, count, this.rng)
          .map((slot) => membership.table.addresses(slot)),
      probeFailed: (target, now) => membership.probeFailed(target, now),
    };
    this.prober = new Prober(host);
    this.gossip = new Gossip(membership, this.config, this.ownSchemes, this.rng);
    this.pushPull = new PushPull(
      {
        config: this.config,
        counters: this.count,
        rng: this.rng,
        ownSchemes: this.ownSchemes,
        membership,
        schedule,
        output,
      },
      now,
    );
    // The first probe lands at a random point of the first period (memberlist staggers its probe
    // ticker the same way): members started together must not probe in lockstep, or every
    // detection time in the cluster is quantised to the period boundaries.
    const firstProbe = now + Math.floor(this.rng.next() * this.config.probeIntervalMs) + 1;
    this.probeDueAt = firstProbe;
    this.timers.schedule(firstProbe, { kind: "probe", token: 0 });
    this.pushPull.start(now);
    membership.emit("join", membership.self, now);
  }

  // ───────────────────────────── entry points ─────────────────────────────

  /**
   * Join a cluster through seed addresses (some may be down): ask the runtime for a join
   * push-pull with each seed we share a transport with, and send each our `alive`. Seeds that are
   * our own addresses are skipped. If no exchange succeeds, the periodic push-pull timer retries a
   * random seed for as long as we know no other member.
   */
  join(seedAddresses: readonly string[], _now: number): void {
    this.pushPull.join(seedAddresses);
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
        this.prober.onAck(message, now);
        return;
      case "nack":
        this.prober.onNack(message, now);
        return;
      case "alive":
        if (this.membership.plausible(message.incarnation)) this.membership.onAlive(message, now);
        return;
      case "suspect":
      case "dead": {
        if (!this.membership.plausible(message.incarnation)) return;
        const answer = answerToStaleClaim(this.membership, message);
        if (answer) this.outputs.push({ kind: "send", to: fromAddress, messages: [answer] });
        if (message.type === "suspect") this.membership.onSuspect(message, now);
        else this.membership.onDead(message, now);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Merge a peer's full member list from a push-pull exchange (join bootstrap, partition heal).
   * Alive entries are merged as `alive` messages; a `left` entry as a graceful leave; `suspect`
   * and `dead` entries make us suspect the member ourselves rather than declare it dead at once
   * (as memberlist does), learning it first if it is unknown or a newer generation.
   */
  mergeRemote(members: readonly PushPullMember[], now: number): void {
    this.pushPull.mergeRemote(members, now);
  }

  /**
   * Learn `members` out of band, as members everyone already knows: unknown alive ones are
   * listed and enter the probe walk, with no events and no broadcasts; everything else is
   * skipped. For a runtime starting from a converged membership (a simulation of a running
   * cluster), where N joins would be noise. O(members). A list prepared in this detector's
   * registry (`PreparedMembers`, a {@link SeedList}) seeds many detectors at the cost of copying.
   */
  seed(members: readonly PushPullMember[] | SeedList, now: number): void {
    this.pushPull.seed(members, now);
  }

  /** Our full member list for a push-pull exchange: every member not yet forgotten, ourselves included. */
  localMembers(): PushPullMember[] {
    const table = this.membership.table;
    return this.eachMember((slot) => table.toPushPull(slot));
  }

  /**
   * The outcome of a `stream-probe` the runtime ran for probe `seq`. An ack saves the probe (it
   * is counted in `streamProbeAcks`: datagrams failed where the stream worked); results for a probe
   * that has already ended are ignored.
   */
  streamProbeResult(seq: number, acked: boolean, now: number): void {
    this.prober.onStreamProbeResult(seq, acked, now);
  }

  /** A join seed or push-pull peer could not be reached by the runtime. */
  pushPullFailed(address: string, _now: number): void {
    this.pushPull.failed(address);
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
      if (head === undefined) return Infinity;
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
    if (this.membership.leaving) return;
    this.membership.leaving = true;
    this.prober.stop();
    this.probeToken += 1;
    this.pushPull.stop();
    this.membership.announceLeave(now);
  }

  /**
   * Advertise new metadata: `alive` at incarnation + 1.
   * @throws Error after {@link leave}.
   */
  setMeta(meta: Uint8Array, now: number): void {
    if (this.membership.leaving) throw new Error("swim: cannot set metadata after leaving");
    this.membership.setOwnMeta(meta, now);
  }

  /**
   * Membership broadcasts that fit in `budgetBytes`, least-sent first, to piggy-back on an
   * outgoing packet (SWIM §4.1). Each is counted as one transmission and leaves the queue after
   * retransmitMult·⌈log10(N+1)⌉ of them.
   *
   * @param budgetBytes room left in the packet, bytes.
   * @param sizeOf encoded size of a message in the packet, bytes.
   * @param skip broadcasts not to put in this packet (see `BroadcastQueue.select`): neither sent
   *   nor counted.
   * @param to the packet's destination: in a small cluster a broadcast then goes to each live peer
   *   once before any gets it twice, a copy to a dead member picked by {@link gossipTargets} is
   *   not counted, and an `alive` is not sent to its subject (see `Gossip`).
   */
  piggyback(
    budgetBytes: number,
    sizeOf: (m: Message) => number,
    _now: number,
    skip?: (m: Message) => boolean,
    to?: string,
  ): Message[] {
    const picked = this.gossip.piggyback(budgetBytes, sizeOf, skip, to);
    this.count.broadcastsSent += picked.length;
    return picked;
  }

  /** Addresses of up to `count` random members for a gossip round (see `Gossip`). */
  gossipTargets(count: number, _now: number): string[] {
    return this.gossip.targets(count);
  }

  /**
   * Hands the member table's references back to a shared {@link SwimOptions.registry}, for a
   * detector discarded while that registry lives on; the detector must not be used afterwards.
   */
  dispose(): void {
    this.membership.table.releaseAll();
  }

  /** Everything produced since the last call, oldest first. */
  drain(): SwimOutput[] {
    const outputs = this.outputs;
    this.outputs = [];
    return outputs;
  }

  /** Snapshots of every member not yet forgotten, ourselves included. O(N). */
  members(): MemberView[] {
    const table = this.membership.table;
    return this.eachMember((slot) => table.view(slot));
  }

  /** `read` of every slot holding a member not yet forgotten, in slot order. */
  private eachMember<T>(read: (slot: number) => T): T[] {
    const table = this.membership.table;
    const out: T[] = [];
    for (let slot = 0; slot < table.slotEnd; slot++) {
      if (table.has(slot)) out.push(read(slot));
    }
    return out;
  }

  /** A snapshot of one member, if known. */
  member(name: string): MemberView | undefined {
    const table = this.membership.table;
    const slot = table.find(name);
    return slot < 0 ? undefined : table.view(slot);
  }

  /** The addresses `name` advertises, if it is known (no snapshot is made). */
  addressesOf(name: string): readonly string[] | undefined {
    const table = this.membership.table;
    const slot = table.find(name);
    return slot < 0 ? undefined : table.addresses(slot);
  }

  /**
   * Forgets `name` now if we hold it dead or left at `incarnation` or lower (force-leave with
   * prune, Serf's `force-leave -prune`). Returns whether it was forgotten.
   */
  prune(name: string, incarnation: bigint): boolean {
    return this.membership.prune(name, incarnation);
  }

  /** Members currently alive, ourselves included (until we leave). */
  aliveCount(): number {
    return this.membership.aliveTotal;
  }

  /** Lifeguard §3.1 local health score: 0 is healthy, up to awarenessMaxMultiplier − 1. */
  health(): number {
    return this.awareness.score;
  }

  /** Distinct members whose probes ended unanswered since we last heard an ack or nack. */
  silentProbeTargets(): number {
    return this.prober.silentTargets;
  }

  /** Our current incarnation. */
  incarnation(): bigint {
    return this.membership.table.incarnation(this.membership.self);
  }

  /** Whether a push-pull exchange has brought us another member's view (or we were told of one). */
  joined(): boolean {
    return this.pushPull.joined;
  }

  /** Broadcasts still waiting to be sent (with a shared queue: the runtime's too). */
  pendingBroadcasts(): number {
    return this.membership.queue.size;
  }

  /** Forgets pending membership broadcasts (for a membership seeded converged out of band). */
  clearBroadcasts(): void {
    this.membership.queue.clear();
  }

  // ───────────────────────────── timers ─────────────────────────────

  private isStale(timer: SwimTimer): boolean {
    switch (timer.kind) {
      case "probe":
        return timer.token !== this.probeToken;
      case "probe-timeout":
      case "probe-deadline":
      case "stream-deadline":
      case "relay-retry":
      case "relay-nack":
      case "relay-expire":
        return this.prober.isStale(timer);
      case "suspicion":
      case "last-call":
      case "reap":
        return this.membership.isStale(timer);
      case "push-pull":
        return this.pushPull.isStale(timer);
    }
  }

  private fire(timer: SwimTimer, now: number): void {
    if (this.isStale(timer)) return;
    const kind = timer.kind;
    // The same grouping as isStale's: what is not ours, the membership's or push-pull's, the prober's.
    if (kind === "probe") this.startProbe(now);
    else if (kind === "suspicion" || kind === "last-call" || kind === "reap") {
      this.membership.fire(timer, now);
    } else if (kind === "push-pull") this.pushPull.fire(timer, now);
    else this.prober.fire(timer, now);
  }

  // ───────────────────────────── probing (SWIM §3, §4.3) ─────────────────────────────

  private readonly probeEligible = (slot: number): boolean => {
    const table = this.membership.table;
    return (
      (table.flags[slot]! & FORGOTTEN) === 0 &&
      isLive(table.status(slot)) &&
      (firstSendableAddress(table.addresses(slot), this.ownSchemes) !== undefined ||
        this.membership.groups.hasRelayFor(slot))
    );
  };

  private readonly probeRetain = (slot: number): boolean => {
    const table = this.membership.table;
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
    const deadlineAt = probePeriodEnd(
      this.probeDueAt,
      now,
      this.awareness.scale(this.config.probeIntervalMs),
    );
    const slot = this.membership.order.next(this.probeEligible, this.probeRetain);
    if (slot !== undefined) this.prober.start(this.probeTarget(slot), now, deadlineAt);
    this.probeDueAt = deadlineAt;
    this.timers.schedule(deadlineAt, { kind: "probe", token: this.probeToken });
  }

  private probeTarget(slot: number): ProbeTarget {
    const table = this.membership.table;
    return {
      slot,
      name: table.name(slot),
      addresses: table.addresses(slot),
      status: table.status(slot),
      incarnation: table.incarnation(slot),
    };
  }
}
