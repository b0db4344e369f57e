import type { ClusterEvent, MemberEvent, MemberEventType } from "@grapevine/node";

type Handler<E> = (event: E) => void;
type ByType = {
  [K in ClusterEvent["type"]]: K extends MemberEventType
    ? MemberEvent
    : Extract<ClusterEvent, { type: K }>;
};

/**
 * Delivers cluster events to listeners (`on`) and to async iterators (`events()`). Listener
 * exceptions are caught and reported through `onListenerError`, so user code can never stop the
 * runtime. Iterators buffer at most `bufferLimit` events; one that falls behind drops its oldest
 * event for each new one (a reader catching up wants the current picture, and the newest events
 * carry it) and reports each drop through `onDrop`.
 */
export class EventHub {
  /** Listeners by event type ("*" for all), in subscription order; a plain map, not node:events. */
  private readonly listeners = new Map<string, Handler<ClusterEvent>[]>();
  private readonly iterators = new Set<IteratorSink>();
  /** Events dropped by iterators that fell behind. */
  droppedEvents = 0;
  private readonly pending: ClusterEvent[] = [];
  private delivering = false;

  constructor(
    private readonly bufferLimit: number,
    private readonly onListenerError: (err: unknown) => void,
    private readonly onDrop: () => void = () => {},
  ) {}

  /** Calls `handler` for every event of `type` ("*" for all). Returns an unsubscribe function. */
  on<T extends ClusterEvent["type"]>(type: T, handler: Handler<ByType[T]>): () => void;
  on(type: "*", handler: Handler<ClusterEvent>): () => void;
  on(type: string, handler: Handler<never>): () => void {
    const listener = handler as Handler<ClusterEvent>;
    const list = this.listeners.get(type) ?? [];
    this.listeners.set(type, [...list, listener]);
    return () => {
      // Copy on write: a delivery in progress keeps iterating the list it started with.
      const current = this.listeners.get(type) ?? [];
      const at = current.lastIndexOf(listener);
      if (at >= 0)
        this.listeners.set(
          type,
          current.filter((_, i) => i !== at),
        );
    };
  }

  /** Holds `event` until {@link deliver} (events of a step are delivered after it). */
  queue(event: ClusterEvent): void {
    this.pending.push(event);
  }

  /**
   * Emits the queued events in order, including those queued by handlers meanwhile; a call from
   * inside a handler returns at once (the outer call delivers them).
   */
  deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let event = this.pending.shift(); event; event = this.pending.shift()) this.emit(event);
    } finally {
      this.delivering = false;
    }
  }

  emit(event: ClusterEvent): void {
    for (const name of [event.type, "*"]) {
      for (const listener of this.listeners.get(name) ?? []) {
        try {
          listener(event);
        } catch (err) {
          this.onListenerError(err);
        }
      }
    }
    for (const it of this.iterators) {
      if (!it.push(event)) {
        this.droppedEvents += 1;
        this.onDrop();
      }
    }
  }

  /** An async iterator over future events; ends when `close` is called or the loop breaks. */
  events(): AsyncIterableIterator<ClusterEvent> {
    const sink = new IteratorSink(this.bufferLimit, () => this.iterators.delete(sink));
    this.iterators.add(sink);
    return sink;
  }

  /** Ends every iterator. */
  close(): void {
    for (const it of [...this.iterators]) it.end();
    this.listeners.clear();
  }
}

class IteratorSink implements AsyncIterableIterator<ClusterEvent> {
  private readonly buffer: ClusterEvent[] = [];
  private waiter: ((r: IteratorResult<ClusterEvent>) => void) | undefined;
  private done = false;

  constructor(
    private readonly limit: number,
    private readonly onEnd: () => void,
  ) {}

  /** Queues `event`; false when the buffer was full and its oldest event was dropped for it. */
  push(event: ClusterEvent): boolean {
    if (this.done) return true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: event, done: false });
      return true;
    }
    this.buffer.push(event);
    if (this.buffer.length <= this.limit) return true;
    this.buffer.shift();
    return false;
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd();
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<ClusterEvent>> {
    const event = this.buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<ClusterEvent>> {
    this.end();
    this.buffer.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ClusterEvent> {
    return this;
  }
}
