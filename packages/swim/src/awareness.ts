import { awarenessScaledTimeout } from "./formulas.js";

/**
 * Local health awareness (Lifeguard §3.1). A node that misses acks it should have received,
 * hears no nack from intermediaries that should have answered, or has to refute a suspicion
 * about itself is probably the slow one; its score rises, and it stretches its own probe
 * interval and probe timeout so that it accuses others less readily. Successful probes lower it.
 */
export class Awareness {
  /** Highest score: awarenessMaxMultiplier − 1. */
  readonly maxScore: number;
  private readonly enabled: boolean;
  private current = 0;

  /**
   * @param maxMultiplier the largest stretch factor (config `awarenessMaxMultiplier`).
   * @param enabled false (ablation) keeps the score at 0 whatever happens.
   */
  constructor(maxMultiplier: number, enabled = true) {
    this.maxScore = Math.max(0, maxMultiplier - 1);
    this.enabled = enabled;
  }

  /** Current health score: 0 is healthy, {@link maxScore} is the least healthy. */
  get score(): number {
    return this.current;
  }

  /**
   * Add `delta` (positive: worse, negative: better), clamped to [0, maxScore].
   * @returns the new score.
   */
  applyDelta(delta: number): number {
    if (!this.enabled) return 0;
    const next = this.current + delta;
    this.current = Math.min(this.maxScore, Math.max(0, next));
    return this.current;
  }

  /** `timeoutMs` stretched by the current score (see {@link awarenessScaledTimeout}), ms. */
  scale(timeoutMs: number): number {
    return awarenessScaledTimeout(timeoutMs, this.current);
  }
}

/**
 * Lifeguard §3.1's health penalty for a probe that got no ack. If intermediaries were asked
 * for nacks, each missing nack counts one (they are presumably fine, so silence suggests that our
 * own messages are slow); with no one to ask, the failed probe itself counts one.
 */
export function failedProbeAwarenessDelta(expectedNacks: number, nacksReceived: number): number {
  if (expectedNacks <= 0) return 1;
  return Math.max(0, expectedNacks - nacksReceived);
}

/** Lifeguard §3.1's health reward for a probe that was acked. */
export const ACKED_PROBE_AWARENESS_DELTA = -1;
