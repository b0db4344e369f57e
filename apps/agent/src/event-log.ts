/** What part of the agent's view an event changed: blocking reads wait for their own kind. */
export type EventKind = "kv" | "members" | "other";

/** One state-changing event with its index, as `/v1/events` streams it (`id:` is the index). */
export interface IndexedEvent {
  /** Monotonically increasing within one agent process, from 1. */
  readonly index: number;
  /** The SSE event name (`member-joined`, `key-changed`, `user-event`, ...). */
  readonly type: string;
  readonly kind: EventKind;
  /** The JSON-ready event (see `eventView`). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Events kept for `Last-Event-ID` replay by default. */
export const DEFAULT_EVENT_RING = 4096;

/**
 * Numbers every state-changing event the agent sees and keeps the latest in a bounded ring, so
 * that an event stream can resume after a reconnect (`Last-Event-ID`) and a blocking read can
 * wait until the index moves past a given value (Consul's blocking queries). The index starts at
 * 0 when the agent starts; it is not kept across restarts, so a client holding a larger index
 * than the agent's is told to start over (`reset`).
 */
export class EventLog {
  private last = 0;
  private readonly ring: IndexedEvent[] = [];
  private readonly listeners = new Set<(event: IndexedEvent) => void>();

  /** @param capacity events kept for replay (at least 1). */
  constructor(private readonly capacity = DEFAULT_EVENT_RING) {}

  /** The index of the latest event (0 before the first). */
  get index(): number {
    return this.last;
  }

  /** Numbers `data` as the next event, keeps it and tells every subscriber. */
  append(type: string, kind: EventKind, data: Readonly<Record<string, unknown>>): IndexedEvent {
    this.last += 1;
    const event: IndexedEvent = { index: this.last, type, kind, data };
    this.ring.push(event);
    if (this.ring.length > Math.max(1, this.capacity)) this.ring.shift();
    for (const listener of [...this.listeners]) listener(event);
    return event;
  }

  /**
   * The events after `index`, oldest first; undefined when the ring no longer holds all of them
   * or `index` is ahead of this agent (a client of an earlier run): the client must start over.
   */
  since(index: number): readonly IndexedEvent[] | undefined {
    if (index > this.last) return undefined;
    if (index === this.last) return [];
    const oldest = this.ring[0]?.index ?? this.last + 1;
    if (index + 1 < oldest) return undefined;
    return this.ring.slice(index + 1 - oldest);
  }

  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: IndexedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once an event of `kind` with an index above `index` has happened (at once when one
   * already has), or after `waitMs`, or when `signal` aborts; always resolves, never rejects.
   */
  waitPast(
    index: number,
    kind: EventKind | "any",
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const matches = (e: IndexedEvent) => e.index > index && (kind === "any" || e.kind === kind);
    if (index > this.last) return Promise.resolve();
    const held = this.since(index);
    if (held === undefined || held.some(matches)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      const unsubscribe = this.subscribe((e) => {
        if (matches(e)) done();
      });
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
