import type { Swim } from "@grapevine/swim";
import type { Outbox } from "./outbox.js";

/**
 * A graceful leave once announced (`dead` about ourselves at a higher incarnation, so that peers
 * report "left"): checked every gossip interval until its news has been sent its retransmit-limit
 * times (or nobody is left to tell) or the deadline passes, then a `leave-done` output.
 */
export class Leaving {
  private deadline = Infinity;

  constructor(
    private readonly swim: Swim,
    private readonly outbox: Outbox,
    private readonly intervalMs: number,
    /** Asks for {@link check} at `at`. */
    private readonly scheduleCheck: (at: number) => void,
  ) {}

  /** The leave was announced at `now`; it is given up on after `timeoutMs`. */
  begin(now: number, timeoutMs: number): void {
    this.deadline = now + timeoutMs;
    this.scheduleCheck(now);
  }

  /** Done when the news has spread or the deadline has passed; else checks again later. */
  check(now: number): void {
    const spread = this.swim.pendingBroadcasts() === 0 || this.swim.aliveCount() === 0;
    if (spread || now >= this.deadline) {
      this.deadline = Infinity;
      this.outbox.outputs.push({ kind: "leave-done" });
      return;
    }
    this.scheduleCheck(Math.min(now + this.intervalMs, this.deadline));
  }
}
