import type { Alive, Dead, Message, Suspect } from "@grapevine/codec";
import { isLive, type MemberChangeType, type MemberStatus, type Rng } from "@grapevine/protocol";
import type { Awareness } from "./awareness.js";
import { BroadcastQueue } from "./broadcast-queue.js";
import type { SwimConfig } from "./config.js";
import type { SwimCounters } from "./counters.js";
import { expectedConfirmations, suspicionTimeout } from "./formulas.js";
import { type MemberRegistry, U64_MAX } from "./member-registry.js";
import { IN_PROBE_ORDER, MemberTable, sameAddresses, sameMeta } from "./members.js";
import { aliveVerdict, deadVerdict, suspectVerdict } from "./merge.js";
import type { SwimOutput } from "./output.js";
import type { ProbeTarget } from "./probe.js";
import { ProbeOrder } from "./probe-order.js";
import { aliveAboutSelf, refute } from "./refutation.js";
import { SchemeGroups } from "./scheme-groups.js";
import { Suspicion } from "./suspicion.js";

/** A held suspicion is sent to the suspect every `minimum suspicion timeout / this`... */
const LAST_CALL_DIVISOR = 2;
/** ... at most this many times (a gone member gets this many datagrams from each suspecter). */
const LAST_CALLS = 3;

/** What an `alive` says about a member; also the shape of a push-pull entry. */
export type AliveClaim = Omit<Alive, "type">;

/** Membership broadcasts: what piggy-backs on packets (SWIM §4.1). */
export type Broadcast = Alive | Suspect | Dead;

/** Timers the membership rules set; each carries what makes it stale or not. */
export type MembershipTimer =
  | { readonly kind: "suspicion"; readonly slot: number; readonly suspicion: Suspicion }
  | {
      readonly kind: "last-call";
      readonly slot: number;
      readonly suspicion: Suspicion;
      readonly calls: number;
    }
  | { readonly kind: "reap"; readonly name: string; readonly changedAt: number };

/** What {@link Membership} needs from the node it works for. */
export interface MembershipHost {
  readonly config: SwimConfig;
  readonly counters: SwimCounters;
  readonly awareness: Awareness;
  /** Set a timer. */
  schedule(at: number, timer: MembershipTimer): void;
  /** Append an output (here: membership events), after everything produced before it. */
  output(output: SwimOutput): void;
  /** Send `messages` to a member at the first of its `addresses` we can reach. */
  send(addresses: readonly string[], messages: Message[]): void;
  /** A dissemination queue shared with the runtime, if it brings one (see `SwimOptions`). */
  readonly broadcasts?: BroadcastQueue<Message> | undefined;
  /** Where the member table keeps its records, if the runtime shares one (see `SwimOptions`). */
  readonly registry?: MemberRegistry | undefined;
}

/** This node's identity as the membership list starts with it. */
export interface MembershipSelf {
  readonly name: string;
  readonly incarnation: bigint;
  readonly generation: number;
  readonly addresses: readonly string[];
  readonly meta: Uint8Array;
}

/**
 * The membership list and the rules that change it (SWIM §4.2 with Lifeguard §3.2): `alive`,
 * `suspect` and `dead` claims are ordered by generation and incarnation (see `merge.ts`), a
 * suspicion becomes `dead` when its (dynamic) timeout expires, claims about ourselves are refuted
 * with a higher incarnation, and dead or left members are forgotten after `gossipToTheDeadMs`.
 * Every accepted change is emitted as an event and queued as a broadcast.
 *
 * Our own entry is always slot 0 of {@link table}.
 */
export class Membership {
  /** Our member name. */
  readonly name: string;
  /** Our own slot in {@link table}: always the first. */
  readonly self = 0;
  readonly table: MemberTable;
  readonly groups: SchemeGroups;
  /** The randomised round-robin probe walk (SWIM §4.3) over live members. */
  readonly order: ProbeOrder;
  /** Membership broadcasts waiting to be piggy-backed. */
  readonly queue: BroadcastQueue<Message>;

  /**
   * Queues a membership broadcast about `name`, replacing an older one about the same member.
   * Keys start with `m`, so a queue shared with the runtime (whose keys start otherwise) never
   * lets a member name displace anything but news about that member.
   */
  broadcast(name: string, message: Broadcast): void {
    this.queue.enqueue(`m${name}`, message);
  }
  /** Suspicions in progress, by slot. */
  readonly suspicions = new Map<number, Suspicion>();
  /** Members currently alive, ourselves included (until we leave). */
  aliveTotal = 0;
  /** Members alive or suspect, ourselves included (until we leave). */
  liveTotal = 0;
  /** Set once we have left: claims about ourselves are no longer refuted. */
  leaving = false;

  readonly host: MembershipHost;
  readonly count: SwimCounters;
  private readonly config: SwimConfig;

  /**
   * @param schemes the schemes we can send to, sorted.
   * @param hashSeed seed of the hash index over member names (see `SwimOptions.hashSeed`).
   */
  constructor(
    host: MembershipHost,
    schemes: readonly string[],
    rng: Rng,
    hashSeed: number,
    self: MembershipSelf,
    now: number,
  ) {
    this.host = host;
    this.config = host.config;
    this.count = host.counters;
    this.name = self.name;
    this.table = new MemberTable(hashSeed, host.registry);
    this.groups = new SchemeGroups(schemes, this.table);
    this.order = new ProbeOrder(rng);
    this.queue =
      host.broadcasts ?? new BroadcastQueue<Message>({ limit: this.config.broadcastQueueLimit });
    this.table.add(
      self.name,
      self.incarnation,
      self.generation,
      "alive",
      self.addresses,
      self.meta,
      now,
    );
    this.aliveTotal = 1;
    this.liveTotal = 1;
  }

  /**
   * An incarnation a real member can hold. The last uint64 value is refused: no member counts
   * that high, and a claim there could not be refuted (the refutation would not fit the wire), so
   * it can only be a forgery meant to silence a member for good.
   */
  plausible(incarnation: bigint): boolean {
    if (incarnation < U64_MAX) return true;
    this.count.implausibleIncarnations += 1;
    return false;
  }

  /** Whether a membership timer no longer refers to anything current. */
  isStale(timer: MembershipTimer): boolean {
    if (timer.kind !== "reap") return this.suspicions.get(timer.slot) !== timer.suspicion;
    const slot = this.table.find(timer.name);
    return (
      slot < 0 ||
      this.table.stateChangedAt(slot) !== timer.changedAt ||
      isLive(this.table.status(slot))
    );
  }

  /** Run a membership timer that is not stale. */
  fire(timer: MembershipTimer, now: number): void {
    if (timer.kind === "suspicion") this.suspicionExpired(timer.slot, timer.suspicion, now);
    else if (timer.kind === "last-call") this.lastCall(timer, now);
    else this.reap(this.table.find(timer.name));
  }

  /**
   * An `alive` claim, from a message or a push-pull entry. `held` is the claimed member's slot
   * when the caller has already looked it up.
   */
  onAlive(alive: AliveClaim, now: number, held = this.table.find(alive.name)): void {
    if (alive.name === this.name) {
      aliveAboutSelf(this, alive);
      return;
    }
    const table = this.table;
    if (held < 0) {
      const slot = this.listNew(alive, now);
      this.emit("join", slot, now);
      this.broadcast(alive.name, aliveMessage(alive));
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
    this.broadcast(alive.name, aliveMessage(alive));
  }

  /** Add a member we did not know, alive, to the table, its group and the probe walk. */
  listNew(m: AliveClaim, now: number): number {
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

  /**
   * The slot a `suspect` or `dead` claim about `name` at `incarnation` is judged against, or -1
   * when there is none. A claim about ourselves is refuted here (unless we are leaving).
   */
  private claimed(name: string, incarnation: bigint): number {
    if (name !== this.name) return this.table.find(name);
    if (!this.leaving && incarnation >= this.table.incarnation(this.self)) {
      refute(this, incarnation, true);
    }
    return -1;
  }

  /** What the merge verdicts compare a claim with: the status and incarnation held at `slot`. */
  private heldAt(slot: number): { status: MemberStatus; incarnation: bigint } {
    return { status: this.table.status(slot), incarnation: this.table.incarnation(slot) };
  }

  /** A `suspect` claim, from a message, a push-pull entry or our own failed probe. */
  onSuspect(suspect: Suspect, now: number): void {
    const table = this.table;
    const held = this.claimed(suspect.name, suspect.incarnation);
    if (held < 0) return;
    const verdict = suspectVerdict(this.heldAt(held), suspect.incarnation);
    if (verdict === "suspect") {
      table.setIncarnation(held, suspect.incarnation);
      // Already suspect at a lower incarnation: a new suspicion replaces the old one.
      if (table.status(held) === "suspect") table.setStateChangedAt(held, now);
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
      this.host.schedule(suspicion.deadline(), { kind: "suspicion", slot: held, suspicion });
      const call = { kind: "last-call", slot: held, suspicion, calls: 0 } as const;
      this.host.schedule(now + minMs / LAST_CALL_DIVISOR, call);
      this.emit("suspect", held, now);
      this.broadcast(suspect.name, suspect);
    } else if (verdict === "confirm") {
      const suspicion = this.suspicions.get(held);
      if (suspicion?.confirm(suspect.from)) {
        // Lifeguard §3.2: an independent confirmation shortens the timeout; pass it on.
        this.host.schedule(suspicion.deadline(), { kind: "suspicion", slot: held, suspicion });
        this.broadcast(suspect.name, suspect);
      }
    }
  }

  /** The probe of `target` got no ack by the end of its period: suspect it (SWIM §4.2). */
  probeFailed(target: ProbeTarget, now: number): void {
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

  /**
   * A suspicion we still hold some time after it started: tell the suspect directly. A live member
   * refutes it at once, or, if it refuted already and we missed that, answers with its current
   * `alive`; either way we hear it before our timer declares it dead. Members that heard the
   * refutation dropped the suspicion, so this costs a datagram only where a view is behind or
   * the member is gone (Lifeguard §3.3's buddy system, without waiting for our turn to probe it).
   */
  private lastCall(timer: Extract<MembershipTimer, { kind: "last-call" }>, now: number): void {
    const { slot, suspicion } = timer;
    const table = this.table;
    if (table.status(slot) !== "suspect" || now >= suspicion.deadline()) return;
    this.count.lastCalls += 1;
    const claim: Suspect = {
      type: "suspect",
      name: table.name(slot),
      incarnation: table.incarnation(slot),
      from: this.name,
    };
    this.host.send(table.addresses(slot), [claim]);
    if (timer.calls + 1 >= LAST_CALLS) return;
    const next = { ...timer, calls: timer.calls + 1 };
    this.host.schedule(now + suspicion.minMs / LAST_CALL_DIVISOR, next);
  }

  private suspicionExpired(slot: number, suspicion: Suspicion, now: number): void {
    const table = this.table;
    if (table.status(slot) !== "suspect") return;
    if (now < suspicion.deadline()) {
      this.host.schedule(suspicion.deadline(), { kind: "suspicion", slot, suspicion });
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

  /** A `dead` claim: a failure declared by someone, or a graceful leave (`from === name`). */
  onDead(dead: Dead, now: number): void {
    const table = this.table;
    const held = this.claimed(dead.name, dead.incarnation);
    if (held < 0) return;
    const verdict = deadVerdict(this.heldAt(held), dead.incarnation, dead.from === dead.name);
    if (verdict !== "dead" && verdict !== "left") return;
    table.setIncarnation(held, dead.incarnation);
    this.suspicions.delete(held);
    this.setStatus(held, verdict, now);
    this.host.schedule(now + this.config.gossipToTheDeadMs, {
      kind: "reap",
      name: dead.name,
      changedAt: now,
    });
    this.emit(verdict, held, now);
    this.broadcast(dead.name, dead);
  }

  /**
   * Forgets `name` at once, as reaping would after `gossipToTheDeadMs`, when we hold it dead or
   * left at `incarnation` or lower (an operator's prune). Returns whether it was forgotten.
   */
  prune(name: string, incarnation: bigint): boolean {
    const slot = this.table.find(name);
    if (slot < 0 || slot === this.self || this.table.incarnation(slot) > incarnation) return false;
    if (isLive(this.table.status(slot))) return false;
    this.reap(slot);
    return true;
  }

  private reap(slot: number): void {
    const table = this.table;
    this.groups.detach(slot);
    table.forget(slot);
    // Out of the probe walk already (it drops non-live entries when a round ends): reuse now.
    if ((table.flags[slot]! & IN_PROBE_ORDER) === 0) table.release(slot);
    this.count.membersReaped += 1;
  }

  /**
   * Our graceful leave: `dead` about ourselves at a higher incarnation, so that peers report us
   * as `left` rather than failed. The caller sets {@link leaving} first.
   */
  announceLeave(now: number): void {
    const incarnation = this.table.incarnation(this.self) + 1n;
    this.table.setIncarnation(this.self, incarnation);
    this.setStatus(this.self, "left", now);
    this.broadcast(this.name, { type: "dead", name: this.name, incarnation, from: this.name });
    this.emit("left", this.self, now);
  }

  /** Advertise new metadata: `alive` at incarnation + 1. */
  setOwnMeta(meta: Uint8Array, now: number): void {
    this.table.setMeta(this.self, meta);
    this.table.setIncarnation(this.self, this.table.incarnation(this.self) + 1n);
    this.broadcast(this.name, this.selfAlive());
    this.emit("update", this.self, now);
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

  /** Our own `alive`, as it stands. */
  selfAlive(): Alive {
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

  /** Emit a membership event about the member in `slot`. */
  emit(type: MemberChangeType, slot: number, now: number): void {
    this.host.output({ kind: "event", event: { type, member: this.table.view(slot), at: now } });
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
