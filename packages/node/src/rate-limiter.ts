/**
 * A token bucket per key (here: per query origin): each key may pass `burst` times at once and
 * `perSecond` times a second sustained. Bounded: past `maxKeys` keys the least recently used
 * bucket is forgotten (a forgotten key starts again with a full bucket, which only ever admits
 * more, never fewer, than a sender is owed).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 4096,
  ) {}

  /** Takes one token of `key` at `now` (ms); false when its bucket is empty. */
  admit(key: string, now: number): boolean {
    const held = this.buckets.get(key);
    let tokens = this.burst;
    if (held !== undefined) {
      this.buckets.delete(key);
      const elapsed = Math.max(0, now - held.at);
      tokens = Math.min(this.burst, held.tokens + (elapsed * this.perSecond) / 1000);
    }
    // Refills are fractional: a sender exactly at the rate must not lose to rounding.
    const admitted = tokens >= 1 - 1e-9;
    this.buckets.set(key, { tokens: admitted ? Math.max(0, tokens - 1) : tokens, at: now });
    if (this.buckets.size > this.maxKeys) {
      // Map iteration is insertion order and every use re-inserts: the first is the stalest.
      const stalest = this.buckets.keys().next().value;
      if (stalest !== undefined) this.buckets.delete(stalest);
    }
    return admitted;
  }
}
