/**
 * The protocol's timing and sizing formulas as small pure functions, each tested on its own
 * (memberlist keeps the same ones in util.go and suspicion.go). Durations are milliseconds.
 */

/**
 * Minimum suspicion timeout: suspicionMult · max(1, log10 N) · probeInterval (SWIM §4.2 scales
 * the timeout with log N so that the suspicion has time to reach everyone).
 *
 * @param suspicionMult multiplier (config `suspicionMult`).
 * @param memberCount N, members believed live (alive or suspect, including ourselves).
 * @param probeIntervalMs the base protocol period, ms.
 * @returns ms.
 */
export function suspicionTimeout(
  suspicionMult: number,
  memberCount: number,
  probeIntervalMs: number,
): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, memberCount)));
  return Math.floor(suspicionMult * nodeScale * probeIntervalMs);
}

/**
 * Dynamic suspicion timeout (Lifeguard §3.2): starts at `maxMs` and shrinks toward `minMs` as
 * independent members confirm the suspicion:
 * max − (max − min) · log(C + 1) / log(K + 1), never below `minMs`.
 * With K < 1 (not enough members to expect confirmations) it is simply `minMs`.
 *
 * @param confirmations C, independent confirmations received so far (excluding the first suspector).
 * @param expectedConfirmations K, the confirmations after which the timeout reaches `minMs`.
 * @returns total timeout from the start of the suspicion, ms.
 */
export function dynamicSuspicionTimeout(
  confirmations: number,
  expectedConfirmations: number,
  minMs: number,
  maxMs: number,
): number {
  if (expectedConfirmations < 1) return minMs;
  const fraction = Math.log(confirmations + 1) / Math.log(expectedConfirmations + 1);
  const raw = Math.floor(maxMs - fraction * (maxMs - minMs));
  return Math.max(minMs, raw);
}

/**
 * K for {@link dynamicSuspicionTimeout}: suspicionMult − 2 confirmations are expected (as in
 * memberlist), or none when the cluster is too small for that many independent suspectors
 * (N − 2 < K: everyone but the suspect and the first suspector).
 */
export function expectedConfirmations(suspicionMult: number, memberCount: number): number {
  const k = Math.max(0, suspicionMult - 2);
  return memberCount - 2 < k ? 0 : k;
}

/**
 * How many times one broadcast is sent before it is dropped: retransmitMult · ⌈log10(N + 1)⌉
 * (SWIM §4.1: λ log N transmissions reach every member with high probability).
 *
 * @param memberCount N, members believed live (including ourselves).
 */
export function retransmitLimit(retransmitMult: number, memberCount: number): number {
  const nodeScale = Math.ceil(Math.log10(Math.max(0, memberCount) + 1));
  return retransmitMult * nodeScale;
}

/**
 * Stretch a timeout by local health (Lifeguard §3.1): timeout · (score + 1). A healthy node
 * (score 0) uses the configured value; at the maximum score it waits awarenessMaxMultiplier times
 * as long.
 *
 * @param timeoutMs the configured timeout or interval, ms.
 * @param healthScore the awareness score, 0 (healthy) and up.
 * @returns ms.
 */
export function awarenessScaledTimeout(timeoutMs: number, healthScore: number): number {
  return timeoutMs * (healthScore + 1);
}

/** Cluster size up to which the push-pull interval is not stretched (memberlist's threshold). */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * The push-pull interval for a cluster of N members: the base interval up to 32 members, then
 * stretched in proportion to N. A full exchange carries the whole member list (O(N) bytes), so a
 * proportional interval keeps each member's push-pull traffic constant as the cluster grows, the
 * constant per-member load SWIM promises; cluster-wide there are about 32 exchanges per base
 * interval whatever N is. (memberlist stretches by log2 N only, so its per-member push-pull
 * traffic grows as N / log N.)
 *
 * @returns ms.
 */
export function pushPullInterval(intervalMs: number, memberCount: number): number {
  if (memberCount <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  return Math.ceil(memberCount / PUSH_PULL_SCALE_THRESHOLD) * intervalMs;
}

/**
 * How long an intermediary waits for the target's ack before sending a nack: 80% of the probe
 * timeout (Lifeguard §3.1), so the nack reaches the requester before its protocol period ends.
 *
 * @returns ms.
 */
export function nackTimeout(probeTimeoutMs: number): number {
  return Math.floor(probeTimeoutMs * 0.8);
}

/**
 * Share of a protocol period by which a probe that starts late may be shortened so that the
 * next one starts on schedule (see {@link probePeriodEnd}). 5 %: with the LAN defaults the
 * intermediaries' nacks are due 95 % into the period (probe timeout 50 %, then the nack timeout
 * 40 % and a 5 % allowance for the hops), so a shortened period still sees every nack in time.
 */
export const PROBE_LATENESS_ABSORBED = 0.05;

/**
 * The end of a protocol period that was due to start at `dueAt` and starts at `now` (≥ `dueAt`):
 * the first point of the schedule `dueAt + k · interval` (k ≥ 1) that leaves the probe at least
 * `(1 − PROBE_LATENESS_ABSORBED) · interval`: a little late, the period is shortened; later than
 * that, it runs to the next point of the schedule (a probe is skipped, as memberlist's probe ticker
 * drops a tick its receiver was too slow for). Periods thus keep the phase they were given at start. Were the next period to start at
 * `now + interval` instead, every late timer would move the member's phase to the moment it ran;
 * when many members share one event loop, a stall runs all their late timers at one moment, and
 * from then on they probe in lockstep: the time until some member probes a failed one is then
 * quantised to whole periods instead of spread over them (measured on loopback, 50 members in one
 * process: the first probe of a killed member came 0.75 s or 1.7 s after the kill, never between).
 * A timer that ran on time gives `dueAt + interval`, as before.
 */
export function probePeriodEnd(dueAt: number, now: number, interval: number): number {
  if (!(interval > 0)) return now;
  const earliest = now + (1 - PROBE_LATENESS_ABSORBED) * interval;
  let end = dueAt + interval;
  if (end < earliest) end += Math.ceil((earliest - end) / interval) * interval;
  return end;
}
