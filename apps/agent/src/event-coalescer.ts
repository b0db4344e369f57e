/** Longest a coalesced event is held after the first of its burst arrived, ms. */
export const COALESCE_PERIOD_MS = 1_000;
/** A coalesced event is delivered once no newer one of its name arrived for this long, ms. */
export const QUIESCENT_PERIOD_MS = 200;

/** The clock and timers an {@link EventCoalescer} runs on (real ones by default; tests fake them). */
export interface CoalescerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: CoalescerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Receiver-side coalescing of user events sent with `coalesce` (Serf's user event coalescer):
 * events are held by name; a newer one of the same name (by event time, the sender's Lamport
 * clock; by arrival when times tie) replaces the one held, and the newest is delivered once none
 * came for {@link QUIESCENT_PERIOD_MS}, or {@link COALESCE_PERIOD_MS} after the first of the
 * burst at the latest. So a burst of "config changed" events wakes the listeners once, with the
 * last payload sent (gossip may bring them in any order), and `coalesced` says how many it
 * stands for.
 */
export class EventCoalescer<E> {
  private readonly held = new Map<
    string,
    { event: E; time: number; firstAt: number; count: number; timer: unknown }
  >();

  constructor(
    private readonly deliver: (event: E, coalesced: number) => void,
    private readonly clock: CoalescerClock = REAL_CLOCK,
    private readonly periods = { coalesceMs: COALESCE_PERIOD_MS, quiescentMs: QUIESCENT_PERIOD_MS },
  ) {}

  /**
   * Holds `event` (sent at event time `time`) under `name`, in place of the one of that name held,
   * unless that one was sent later.
   */
  add(name: string, event: E, time = 0): void {
    const now = this.clock.now();
    const waiting = this.held.get(name);
    if (waiting !== undefined) this.clock.clearTimeout(waiting.timer);
    const firstAt = waiting?.firstAt ?? now;
    const count = (waiting?.count ?? 0) + 1;
    const newest = waiting === undefined || time >= waiting.time ? { event, time } : waiting;
    const due = Math.min(now + this.periods.quiescentMs, firstAt + this.periods.coalesceMs);
    const timer = this.clock.setTimeout(() => this.flush(name), Math.max(0, due - now));
    this.held.set(name, { event: newest.event, time: newest.time, firstAt, count, timer });
  }

  /** Events held now, by name. */
  get size(): number {
    return this.held.size;
  }

  /** Drops what is held (at shutdown). */
  close(): void {
    for (const { timer } of this.held.values()) this.clock.clearTimeout(timer);
    this.held.clear();
  }

  private flush(name: string): void {
    const waiting = this.held.get(name);
    if (waiting === undefined) return;
    this.held.delete(name);
    this.deliver(waiting.event, waiting.count);
  }
}
