/** Clients remembered at most; the least recently seen are forgotten first. */
const MAX_CLIENTS = 10_000;

/**
 * A token bucket per client: each client may make `burst` calls at once and `perSecond` calls a
 * second after that. Used on the API's writes, so that one client (a runaway script, a stolen
 * token) cannot flood the cluster with updates. Takes `now` (ms) from the caller, so tests need
 * no clock.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * @param perSecond calls a second each client may sustain; 0 turns the limit off.
   * @param burst calls a client may make at once (at least 1).
   */
  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  /**
   * Takes one call from `client`'s bucket at `now` (ms). Returns 0 when the call may go ahead,
   * otherwise how long to wait before trying again, ms.
   */
  take(client: string, now: number): number {
    if (this.perSecond <= 0) return 0;
    const capacity = Math.max(1, this.burst);
    const bucket = this.buckets.get(client) ?? { tokens: capacity, at: now };
    this.buckets.delete(client);
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (this.buckets.size > MAX_CLIENTS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
  }
}
