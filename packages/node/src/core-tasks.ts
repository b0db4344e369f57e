/** The core's own timers; stale ones are recognised by their token and ignored (foca). */
export type CoreTask =
  | { readonly kind: "gossip" }
  | { readonly kind: "reconnect" }
  | { readonly kind: "state-tick"; readonly at: number }
  | { readonly kind: "stream-deadline"; readonly id: number }
  | { readonly kind: "join-deadline"; readonly token: number }
  | { readonly kind: "leave-check" };

/** What {@link PeriodicWork} runs: gossip rounds, anti-entropy periods, reconnect rounds. */
export interface PeriodicParts {
  readonly schedule: { schedule(at: number, task: CoreTask): void };
  readonly timing: { readonly antiEntropyIntervalMs: number; readonly reconnectIntervalMs: number };
  readonly gossipIntervalMs: number;
  readonly gossipRounds: { start(at: number): void; catchUp(now: number): void; nextAt(): number };
  /** Anti-entropy, its periods caught up with the core's state (see `AntiEntropy.catchUp`). */
  readonly antiEntropy: {
    start(at: number): void;
    catchUp(now: number, running: boolean): void;
    wakeAt(): number;
  };
  /** Whether the core is running (not leaving): only then do anti-entropy periods do anything. */
  readonly running: () => boolean;
}

/**
 * The core's periodic work. Gossip rounds that would change nothing and anti-entropy periods with
 * no digest to send need no wake-up: every step first catches them up ({@link catchUp}), and
 * {@link nextAt} asks only for the ones that would do something. Reconnect rounds are timers.
 */
export class PeriodicWork {
  constructor(private readonly parts: PeriodicParts) {}

  /**
   * Sets the first gossip, anti-entropy and reconnect rounds each at a random point of its first
   * period (members started together do not act in lockstep); a period of 0 turns a round off.
   */
  start(now: number, rng: { next(): number }): void {
    const { schedule, timing, gossipIntervalMs, gossipRounds, antiEntropy } = this.parts;
    const { antiEntropyIntervalMs, reconnectIntervalMs } = timing;
    gossipRounds.start(now + rng.next() * gossipIntervalMs);
    if (antiEntropyIntervalMs > 0) antiEntropy.start(now + rng.next() * antiEntropyIntervalMs);
    if (reconnectIntervalMs > 0) {
      schedule.schedule(now + rng.next() * reconnectIntervalMs, { kind: "reconnect" });
    }
  }

  /** Replays the gossip rounds skipped before `now`, then the anti-entropy periods begun by it. */
  catchUp(now: number): void {
    this.parts.gossipRounds.catchUp(now);
    this.parts.antiEntropy.catchUp(now, this.parts.running());
  }

  /** When the periodic work next needs a step (gossip rounds, anti-entropy), ms. */
  nextAt(): number {
    return Math.min(this.parts.gossipRounds.nextAt(), this.parts.antiEntropy.wakeAt());
  }
}
