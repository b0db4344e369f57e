/**
 * Remembers which application messages this member has already seen, so that infection-style
 * relaying delivers each one once: a message is identified by its origin, name and a hash of its
 * payload, and remembered for `ttlMs` (identical messages from one origin within that window are
 * one message). Bounded: past `limit` entries the oldest are forgotten first.
 */
export class SeenMessages {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly limit: number,
  ) {}

  /** The identity of a message. */
  static key(from: string, name: string, payload: Uint8Array): string {
    // FNV-1a over the payload: a cheap, well-spread 32-bit fingerprint.
    let h = 0x811c9dc5;
    for (let i = 0; i < payload.length; i++) {
      h ^= payload[i]!;
      h = Math.imul(h, 0x01000193);
    }
    return `${from}\u0000${name}\u0000${payload.length}\u0000${(h >>> 0).toString(16)}`;
  }

  /** Records `key` at `now`; returns false if it was already seen within the window. */
  firstSighting(key: string, now: number): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.ttlMs) return false;
    this.seen.delete(key);
    this.seen.set(key, now);
    // Map iteration is insertion order: the first entries are the oldest.
    for (const [k, t] of this.seen) {
      if (this.seen.size <= this.limit && now - t < this.ttlMs) break;
      this.seen.delete(k);
    }
    return true;
  }
}
