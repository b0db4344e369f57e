import { TransportError } from "./errors.js";

/**
 * An unbounded-by-default single-consumer queue exposed as an async iterable, the shape in which
 * every transport hands up datagrams, streams and frames. `push` never blocks; with `limit` set,
 * pushes beyond it are refused (return false) so a flood cannot grow memory without bound.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiter: ((e: unknown) => void) | undefined;
  private ended = false;
  private error: unknown;
  private iterated = false;

  constructor(private readonly limit = Infinity) {}

  /** Items waiting to be consumed. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True after `end` or `fail`. */
  get closed(): boolean {
    return this.ended;
  }

  /** Adds an item; returns false (dropping it) when ended or full. */
  push(item: T): boolean {
    if (this.ended) return false;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.failWaiter = undefined;
      w({ value: item, done: false });
      return true;
    }
    if (this.size >= this.limit) return false;
    this.items.push(item);
    return true;
  }

  /** Ends the iteration once queued items are consumed. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    w?.({ value: undefined, done: true });
  }

  /** Ends the iteration with an error, after queued items. Idempotent. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const f = this.failWaiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    f?.(error);
  }

  /** Drops queued items (used on abort). */
  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }

  private shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve({ value: this.shift(), done: false });
    if (this.ended) {
      if (this.error !== undefined) return Promise.reject(this.error);
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) {
      throw new TransportError("protocol", "this iterable has a single consumer");
    }
    this.iterated = true;
    return consumerIterator(
      () => this.next(),
      () => endQueues(this),
    );
  }
}

/**
 * The iterator a single-consumer iterable hands out: `next` reads, and `return` (a `break` out of
 * `for await`) runs `stop` and reports the end.
 */
export function consumerIterator<T>(
  next: () => Promise<IteratorResult<T>>,
  stop: () => void,
): AsyncIterator<T> {
  return {
    next,
    return: async () => {
      stop();
      return { value: undefined, done: true };
    },
  };
}

/** Ends each queue and drops what it still holds, as a closing transport does to its inbound ones. */
export function endQueues(...queues: readonly { end(): void; clear(): void }[]): void {
  for (const queue of queues) {
    queue.end();
    queue.clear();
  }
}
