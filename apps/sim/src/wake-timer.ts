import type { NodeCore } from "@grapevine/node";
import type { VirtualClock } from "@grapevine/transport-memory";

/**
 * The one wake-up timer of a simulated node core, armed after every step at the core's next wake
 * time (a timer overtaken by an earlier one is stale and ignored when it fires).
 *
 * A node core does not ask to be woken for gossip rounds that would change nothing (they are
 * replayed at its next step instead; see the node package's `GossipRounds`): an idle cluster
 * steps half as often. What the cores do is the same either way, but the simulator's clock
 * orders timers due at one instant by when they were set, and a node that woke for every round
 * set its timers at other moments (probe timers fall on whole milliseconds, so such ties are
 * common). To keep every run what it was, this keeps the wake-up timer of such a node as a plan
 * (its skipped rounds cost no clock event) and sets each real wake-up's timer as that node would
 * have: at the step itself, or, when rounds are skipped before it, as of the last of them (the
 * clock orders it as if set then).
 */
export class WakeTimer {
  /** The time of the clock timer that steps the core; Infinity when none is live. */
  private realAt = Number.POSITIVE_INFINITY;
  /**
   * When the node that wakes for every round would be waiting for a skipped round: its time
   * (rounds then follow every gossip interval, up to {@link until}); Infinity when it would be
   * waiting for {@link realAt}.
   */
  private roundAt = Number.POSITIVE_INFINITY;
  private until = Number.POSITIVE_INFINITY;
  /** Identifies the current plan; a timer of an older one does nothing when it fires. */
  private plan = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly core: NodeCore,
    private readonly wake: () => void,
    private readonly stopped: () => boolean,
  ) {}

  /** Call after every step of the core. */
  arm(): void {
    if (this.stopped()) return;
    const now = this.clock.now();
    const armed = this.armedAt(now);
    const wakeAt = this.core.nextWakeAt();
    const roundAt = this.core.gossipRounds.skippedAt();
    if (Math.min(roundAt, wakeAt) < armed) {
      // The node that wakes for every round would set its timer now.
      if (roundAt < wakeAt) this.planRounds(roundAt, wakeAt);
      else this.setReal(wakeAt, now);
    } else if (this.roundAt !== Number.POSITIVE_INFINITY) {
      // It keeps waiting for its round; what comes after the round may have changed.
      if (wakeAt <= this.roundAt) this.setRealAt(this.roundAt);
      else if (wakeAt !== this.until) this.planRounds(this.roundAt, wakeAt);
    }
  }

  /** What the node that wakes for every round is waiting for at `now`. */
  private armedAt(now: number): number {
    if (this.roundAt === Number.POSITIVE_INFINITY) return this.realAt;
    const interval = this.core.config.gossipIntervalMs;
    let at = this.roundAt;
    // Each round before now would have fired and set the next.
    while (at < now) at += interval;
    if (at >= this.until) {
      this.roundAt = Number.POSITIVE_INFINITY;
      return this.realAt;
    }
    this.roundAt = at;
    return at;
  }

  /**
   * Skipped rounds from `from` while before `until`; the last of them, at `last`, would set
   * `until`'s timer, as a delay `until − last` from then.
   */
  private planRounds(from: number, until: number): void {
    const plan = ++this.plan;
    this.roundAt = from;
    this.until = until;
    this.realAt = until;
    const interval = this.core.config.gossipIntervalMs;
    let last = from;
    while (last + interval < until) last += interval;
    const at = last + Math.max(0, until - last);
    this.clock.setTimeoutAt(() => this.fire(plan), at, last);
  }

  /** The wake-up at `at`, set now as a timer `at − now` away. */
  private setReal(at: number, now: number): void {
    const plan = ++this.plan;
    this.roundAt = Number.POSITIVE_INFINITY;
    this.realAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.clock.setTimeout(() => this.fire(plan), Math.max(0, at - now));
  }

  /** The wake-up at exactly `at` (a round that turned out to have work). */
  private setRealAt(at: number): void {
    const plan = ++this.plan;
    this.roundAt = Number.POSITIVE_INFINITY;
    this.realAt = at;
    this.clock.setTimeoutAt(() => this.fire(plan), at);
  }

  private fire(plan: number): void {
    // Timers are never cancelled: one overtaken by a later plan is stale.
    if (this.plan !== plan) return;
    this.plan += 1;
    this.roundAt = Number.POSITIVE_INFINITY;
    this.realAt = Number.POSITIVE_INFINITY;
    this.wake();
  }
}
