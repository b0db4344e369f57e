import { dynamicSuspicionTimeout } from "./formulas.js";

/** Parameters of one suspicion, fixed when it starts. Durations are ms. */
export interface SuspicionParams {
  /** The member whose suspicion started it (does not count as a confirmation). */
  readonly from: string;
  /** When the suspicion started, ms. */
  readonly startedAt: number;
  /** Shortest total timeout, reached after `expectedConfirmations` confirmations. */
  readonly minMs: number;
  /** Total timeout with no confirmations. */
  readonly maxMs: number;
  /** K: confirmations after which the timeout is `minMs`; 0 for a fixed `minMs` timeout. */
  readonly expectedConfirmations: number;
}

/**
 * One running suspicion of one member (SWIM §4.2 with Lifeguard §3.2's dynamic timeout). It
 * remembers who has suspected the member so that only independent confirmations shorten the
 * timeout. It owns no timer: the caller schedules one at {@link deadline} and, since a
 * confirmation only ever brings the deadline forward, schedules a new one when {@link confirm}
 * says so and lets the later, now stale, one be ignored.
 */
export class Suspicion {
  /** When the suspicion started, ms. */
  readonly startedAt: number;
  /** The shortest timeout, ms (reached after K confirmations). */
  readonly minMs: number;
  private readonly maxMs: number;
  private readonly expected: number;
  /** Distinct suspectors, the first included; at most K + 1 entries are ever kept. */
  private readonly suspectors: string[];

  constructor(params: SuspicionParams) {
    this.startedAt = params.startedAt;
    this.minMs = params.minMs;
    this.maxMs = params.maxMs;
    this.expected = params.expectedConfirmations;
    this.suspectors = [params.from];
  }

  /** Independent confirmations so far (suspectors other than the first). */
  get confirmations(): number {
    return this.suspectors.length - 1;
  }

  /**
   * Record that `from` also suspects the member.
   * @returns true when this was a new independent confirmation that moved the deadline
   *   (false for a repeat suspector, or once K confirmations have been counted).
   */
  confirm(from: string): boolean {
    if (this.confirmations >= this.expected) return false;
    if (this.suspectors.includes(from)) return false;
    this.suspectors.push(from);
    return true;
  }

  /** When the member is to be declared dead unless it refutes, ms. */
  deadline(): number {
    return (
      this.startedAt +
      dynamicSuspicionTimeout(this.confirmations, this.expected, this.minMs, this.maxMs)
    );
  }
}
