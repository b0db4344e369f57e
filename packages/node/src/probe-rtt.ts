/**
 * Upper bounds of the probe round-trip histogram's buckets, ms: from loopback (sub-millisecond)
 * to the slowest ack a probe could still count (the WAN preset's timeouts are seconds). The last
 * bucket (everything above 5 s) is implicit.
 */
export const PROBE_RTT_BOUNDS_MS: readonly number[] = [
  0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
];

/**
 * Round-trip times of this node's direct probes (`ping` to its `ack`, SWIM §4), as a histogram
 * of running totals: plain data a runtime reads whenever it likes (Prometheus' histogram shape).
 * Acks relayed for a `ping-req` are not counted: their time includes the relay.
 */
export interface ProbeRttHistogram {
  /** Upper bounds of the buckets, ms (see {@link PROBE_RTT_BOUNDS_MS}). */
  readonly boundsMs: readonly number[];
  /**
   * Samples per bucket, not cumulative: `counts[i]` counts RTTs in (`boundsMs[i-1]`,
   * `boundsMs[i]`]; the last entry (one more than there are bounds) counts those above every
   * bound.
   */
  readonly counts: number[];
  /** Samples in all. */
  count: number;
  /** Sum of all samples, ms. */
  sumMs: number;
}

/** A histogram with no samples. */
export function emptyProbeRttHistogram(): ProbeRttHistogram {
  return {
    boundsMs: PROBE_RTT_BOUNDS_MS,
    counts: new Array<number>(PROBE_RTT_BOUNDS_MS.length + 1).fill(0),
    count: 0,
    sumMs: 0,
  };
}

/** Counts one round trip of `rttMs` (a negative or non-finite time is ignored). */
export function observeProbeRtt(histogram: ProbeRttHistogram, rttMs: number): void {
  if (!Number.isFinite(rttMs) || rttMs < 0) return;
  const bounds = histogram.boundsMs;
  let i = 0;
  while (i < bounds.length && rttMs > bounds[i]!) i++;
  histogram.counts[i] = (histogram.counts[i] ?? 0) + 1;
  histogram.count += 1;
  histogram.sumMs += rttMs;
}
