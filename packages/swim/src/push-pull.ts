import type { PushPullMember } from "@grapevine/codec";
import { type Rng, randomIndex, schemeOf } from "@grapevine/protocol";
import { firstSendableAddress } from "./addresses.js";
import type { SwimConfig } from "./config.js";
import type { SwimCounters } from "./counters.js";
import { pushPullInterval } from "./formulas.js";
import type { Membership } from "./membership.js";
import type { SwimOutput } from "./output.js";
import { remoteAboutSelf } from "./refutation.js";
import { type SeedList, seedAlive } from "./seed.js";

/**
 * The periodic push-pull timer, or (`settle`) a check of whether a join burst has settled; its
 * token makes it stale once we leave.
 */
export interface PushPullTimer {
  readonly kind: "push-pull";
  readonly token: number;
  readonly settle?: SettleCheck;
}

/**
 * A join's settle check (see `PushPull.fire`): the live count at the previous check, whether it
 * has grown since our join or our last settle pull, calm checks in a row (no change, nothing
 * pending), settle pulls so far, and checks left.
 */
type SettleCheck = readonly [
  count: number,
  grew: boolean,
  calm: number,
  pulls: number,
  left: number,
];

/** A join's settle checks, one a gossip interval, end after this many calm ones in a row... */
const SETTLE_CALM_CHECKS = 3;
/** ...or this many settle pulls... */
const SETTLE_PULLS = 2;
/** ...or this many checks in all. */
const SETTLE_CHECKS = 50;

/** What {@link PushPull} needs from the node it works for. */
export interface PushPullHost {
  readonly config: SwimConfig;
  readonly counters: SwimCounters;
  readonly rng: Rng;
  /** Schemes we can send to. */
  readonly ownSchemes: ReadonlySet<string>;
  readonly membership: Membership;
  /** Set a timer. */
  schedule(at: number, timer: PushPullTimer): void;
  /** Append an output (here: push-pull requests and our `alive` to join seeds). */
  output(output: SwimOutput): void;
}

/**
 * Joining and full state exchange (memberlist's push-pull): ask the runtime to exchange whole
 * member lists with join seeds, and periodically with a random live member (to heal partitions
 * and repair what gossip missed), and merge the lists it brings back.
 */
export class PushPull {
  private readonly host: PushPullHost;
  private readonly membership: Membership;
  private readonly pendingJoins = new Set<string>();
  private seeds: string[] = [];
  private hasJoined = false;
  /** When our last periodic push-pull started (construction time before the first), ms. */
  private lastPushPullAt: number;
  private token = 0;

  constructor(host: PushPullHost, now: number) {
    this.host = host;
    this.membership = host.membership;
    this.lastPushPullAt = now;
  }

  /** Whether a push-pull exchange has brought us another member's view (or we were told of one). */
  get joined(): boolean {
    return this.hasJoined;
  }

  /** Schedule the first periodic exchange, if push-pull is on. */
  start(now: number): void {
    const interval = this.host.config.pushPullIntervalMs;
    if (interval > 0) {
      // Staggered so that nodes started together do not exchange state in lockstep.
      const first = now + Math.floor(this.host.rng.next() * interval);
      this.host.schedule(first, { kind: "push-pull", token: 0 });
    }
  }

  /** Stop exchanging: we are leaving. */
  stop(): void {
    this.token += 1;
    this.pendingJoins.clear();
  }

  /** Whether a push-pull timer belongs to an earlier life of the schedule. */
  isStale(timer: PushPullTimer): boolean {
    return timer.token !== this.token;
  }

  /** See `Swim.join`. */
  join(seedAddresses: readonly string[]): void {
    const membership = this.membership;
    const own = new Set(membership.table.addresses(membership.self));
    const seeds: string[] = [];
    for (const seed of seedAddresses) {
      if (own.has(seed) || seeds.includes(seed)) continue;
      if (!this.host.ownSchemes.has(schemeOf(seed) ?? "")) continue;
      seeds.push(seed);
    }
    this.seeds = seeds;
    if (membership.leaving) return;
    // Our own alive is gossiped too, so every member hears of us, not only the seeds.
    if (seeds.length > 0) membership.broadcast(membership.name, membership.selfAlive());
    for (const seed of seeds) {
      this.pendingJoins.add(seed);
      this.host.output({ kind: "push-pull", to: seed, join: true });
      this.host.output({ kind: "send", to: seed, messages: [membership.selfAlive()] });
    }
  }

  /** See `Swim.mergeRemote`. */
  mergeRemote(members: readonly PushPullMember[], now: number): void {
    const membership = this.membership;
    const table = membership.table;
    // A peer's list is about the size of the cluster: grow the table once, to fit.
    table.reserve(members.length + 1);
    let learned = false;
    for (const remote of members) {
      if (!membership.plausible(remote.incarnation)) continue;
      if (remote.name === membership.name) {
        remoteAboutSelf(membership, remote);
        continue;
      }
      learned = true;
      const held = table.find(remote.name);
      const heldGeneration = held < 0 ? -1 : table.generation(held);
      if (held >= 0 && remote.generation < heldGeneration) continue;
      switch (remote.status) {
        case "alive":
          membership.onAlive(remote, now, held);
          break;
        case "left":
          // A newer life that has already left: learn it, then its leave.
          if (held >= 0 && remote.generation > heldGeneration) {
            membership.onAlive(remote, now);
          }
          membership.onDead(
            { type: "dead", name: remote.name, incarnation: remote.incarnation, from: remote.name },
            now,
          );
          break;
        case "suspect":
        case "dead":
          if (held < 0 && remote.status === "dead") break;
          if (held < 0 || remote.generation > heldGeneration) {
            membership.onAlive(remote, now);
          }
          membership.onSuspect(
            {
              type: "suspect",
              name: remote.name,
              incarnation: remote.incarnation,
              from: membership.name,
            },
            now,
          );
          break;
      }
    }
    if (learned) {
      // The answer to our join (not a list handed to us some other way).
      if (!this.hasJoined && this.pendingJoins.size > 0) {
        this.settleAfter(now, [membership.liveTotal, false, 0, 0, SETTLE_CHECKS]);
      }
      this.hasJoined = true;
      this.pendingJoins.clear();
    }
  }

  /**
   * Our join brought us the seed's view. Members joining at the same moment reach us only by
   * gossip, and the last few of a burst of hundreds are slow to: each packet carries a few dozen
   * of the hundreds of news items queued. So we check the live count once a gossip interval;
   * when it has grown since our join and then stays still for one interval, we pull a whole list
   * once more from a random live member. A join into a settled cluster sees no growth, pulls
   * nothing and stops checking after {@link SETTLE_CALM_CHECKS} checks.
   */
  private settleAfter(now: number, settle: SettleCheck): void {
    const at = now + this.host.config.gossipIntervalMs;
    this.host.schedule(at, { kind: "push-pull", token: this.token, settle });
  }

  /** A push-pull timer fired: the periodic exchange, or a join's settle check. */
  fire(timer: PushPullTimer, now: number): void {
    const settle = timer.settle;
    if (settle === undefined) {
      this.periodic(now);
      return;
    }
    const [last, grew, calm, pulls, left] = settle;
    const count = this.membership.liveTotal;
    const pull = grew && count === last;
    if (pull) this.pullFromRandom();
    const nextCalm = count === last && !grew ? calm + 1 : 0;
    const nextPulls = pull ? pulls + 1 : pulls;
    if (nextCalm < SETTLE_CALM_CHECKS && nextPulls < SETTLE_PULLS && left > 1) {
      this.settleAfter(now, [
        count,
        !pull && (grew || count > last),
        nextCalm,
        nextPulls,
        left - 1,
      ]);
    }
  }

  /** Asks for a push-pull with a random live member we can reach; false when there is none. */
  private pullFromRandom(): boolean {
    const membership = this.membership;
    const peer = membership.groups.randomAlive(this.host.rng);
    const to =
      peer === undefined
        ? undefined
        : firstSendableAddress(membership.table.addresses(peer), this.host.ownSchemes);
    if (to === undefined) return false;
    this.host.output({ kind: "push-pull", to, join: false });
    return true;
  }

  /** See `Swim.seed`. */
  seed(members: readonly PushPullMember[] | SeedList, now: number): void {
    const membership = this.membership;
    const listed = seedAlive(membership, members, now);
    membership.aliveTotal += listed;
    membership.liveTotal += listed;
    if (listed > 0) this.hasJoined = true;
  }

  /** A join seed or push-pull peer could not be reached by the runtime. */
  failed(address: string): void {
    this.host.counters.pushPullFailures += 1;
    this.pendingJoins.delete(address);
  }

  /**
   * The periodic exchange: with a random live member we can reach, or, while we know no one,
   * with a random join seed. The interval grows with the cluster (see `pushPullInterval`).
   */
  periodic(now: number): void {
    const host = this.host;
    const membership = this.membership;
    const next = pushPullInterval(host.config.pushPullIntervalMs, membership.liveTotal);
    if (this.hasJoined && now - this.lastPushPullAt < next / 2) {
      // The cluster has grown since this timer was set: wait for the interval of its current
      // size instead (still at a random point, so members do not exchange in lockstep).
      const at = this.lastPushPullAt + next * (0.5 + host.rng.next());
      host.schedule(at, { kind: "push-pull", token: this.token });
      return;
    }
    this.lastPushPullAt = now;
    host.schedule(now + next, { kind: "push-pull", token: this.token });
    if (this.pullFromRandom()) return;
    if (!this.hasJoined && this.seeds.length > 0) {
      const seed = this.seeds[randomIndex(host.rng, this.seeds.length)]!;
      this.pendingJoins.add(seed);
      host.output({ kind: "push-pull", to: seed, join: true });
    }
  }
}
