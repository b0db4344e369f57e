import type { SwimConfig, TimerSet } from "@grapevine/swim";

/** Rounds {@link GossipRounds.nextAt} looks ahead for one to wake for. */
const MAX_LOOKAHEAD = 64;

/** What {@link GossipRounds} needs of the core it serves. */
export interface GossipHost {
  /**
   * Whether a round at `at` would change nothing: nothing waits to be disseminated and no other
   * work of a step (the health judgement) would turn out differently at `at`.
   */
  idle(at: number): boolean;
  /**
   * {@link idle} for many instants: the rule for the state as it is now (a runtime asks between
   * two steps, when only time moves), answering exactly as `idle` would.
   */
  idleRule(): { idle(at: number): boolean };
  /** A round at `at` was replayed by {@link GossipRounds.catchUp}: the step's own work at `at`. */
  replayed(at: number): void;
  /** The round due now: sends what waits. */
  round(now: number): void;
}

/**
 * Gossip rounds (SWIM §4.1: broadcasts ride on packets to a few random members every period),
 * optionally without the wake-ups of rounds that would change nothing.
 *
 * A round is due every `intervalMs` after the previous one (set from the time it ran). A round
 * with nothing to send only sets the next one. With `skipIdle`, {@link nextAt} does not ask to be
 * woken for such a round; the first step after it (any input, any other timer) replays it with
 * {@link catchUp} before doing anything else, setting the next round where the skipped one would
 * have had it set had it run on time. For a runtime that wakes the core exactly at
 * {@link nextAt} (a simulator on a virtual clock) that is exactly what waking for it would have
 * done, and a converged, quiet cluster of N members is spared 5·N wake-ups a second on the LAN
 * preset. A runtime whose wake-ups come late (real timers) keeps its rounds on the grid of the
 * skipped ones, where waking for each would set every next round from the late time it ran:
 * the same rounds, a little earlier. The cluster runtime skips them too.
 */
export class GossipRounds<T> {
  /** When the round in the schedule is due, ms. */
  private dueAt = Infinity;
  private readonly intervalMs: number;
  private readonly skipIdle: boolean;

  /**
   * @param schedule the core's one schedule, in which the rounds are a timer like any other.
   * @param task the schedule entry of the rounds (one object, set again after every round).
   * @param options `config.gossipIntervalMs`, the period; `skipIdleRounds`, whether rounds that
   *   would change nothing go without a wake-up (off by default).
   */
  constructor(
    private readonly schedule: TimerSet<T>,
    private readonly task: T,
    options: { readonly config: SwimConfig; readonly skipIdleRounds?: boolean | undefined },
    private readonly host: GossipHost,
  ) {
    this.intervalMs = options.config.gossipIntervalMs;
    this.skipIdle = options.skipIdleRounds ?? false;
  }

  /** Sets the first round at `at`. */
  start(at: number): void {
    this.set(at);
  }

  /** The round due now (woken for): sets the next one, then sends what waits. */
  run(now: number): void {
    this.set(now + this.intervalMs);
    this.host.round(now);
  }

  /** Replays the rounds before `now` that were not woken for: call first in every step. */
  catchUp(now: number): void {
    if (!this.skipIdle) return;
    const { schedule, task, intervalMs } = this;
    for (let head = schedule.peek(); head?.payload === task; head = schedule.peek()) {
      const at = head.at;
      if (at >= now || !this.host.idle(at)) return;
      schedule.popDue(at);
      this.set(at + intervalMs);
      this.host.replayed(at);
    }
  }

  /**
   * When the schedule next needs a step: its earliest timer, or, when that is a round to skip,
   * the first round not to skip or the next other timer, whichever comes first.
   */
  nextAt(): number {
    const { schedule, task, intervalMs } = this;
    const head = schedule.peek();
    if (head === undefined) return Infinity;
    if (head.payload !== task || !this.skipIdle) return head.at;
    const other = schedule.secondAt();
    let at = head.at;
    // Rounds a step would judge differently come in time (the health judgement): wake for the
    // first. Looking further than MAX_LOOKAHEAD rounds, wake anyway: waking for a round to skip
    // is always allowed, it just runs it.
    const rule = this.host.idleRule();
    for (let i = 0; i < MAX_LOOKAHEAD && at < other; i++, at += intervalMs) {
      if (!rule.idle(at)) return at;
    }
    return Math.min(at, other);
  }

  /**
   * When the next round is due if it is one to skip (it is then not in {@link nextAt}), else
   * Infinity. A runtime that must reproduce the timer traffic of waking for every round (a
   * simulator keeping its event order) learns from it when those wake-ups would have been.
   */
  skippedAt(): number {
    const at = this.dueAt;
    const skipped = this.skipIdle && Number.isFinite(at) && this.host.idle(at);
    return skipped ? at : Infinity;
  }

  private set(at: number): void {
    this.dueAt = at;
    this.schedule.schedule(at, this.task);
  }
}
