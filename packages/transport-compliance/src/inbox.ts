import type { Datagram, Stream, Transport } from "@grapevine/transport";
import { ComplianceTimeoutError } from "./timeouts.js";

/**
 * Consumes an async iterable eagerly (from construction) and keeps what it yields, so tests can
 * wait for items, counts and the end with bounded timeouts, and several helpers can share the
 * single consumer a transport iterable allows.
 */
export class Inbox<T> {
  /** Every item received, in arrival order. */
  readonly received: T[] = [];
  private cursor = 0;
  private endedFlag = false;
  private failure: { error: unknown } | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(source: AsyncIterable<T>) {
    void this.pump(source);
  }

  /** True once the iteration has finished, normally or with an error. */
  get ended(): boolean {
    return this.endedFlag;
  }

  /** The error the iteration threw, wrapped; `undefined` while running or after a normal end. */
  get failed(): { readonly error: unknown } | undefined {
    return this.failure;
  }

  /** The next item not yet taken by `next`; rejects if the iteration ends first or on timeout. */
  next(timeoutMs: number, what = "the next item"): Promise<T> {
    return this.waitUntil(
      () => {
        if (this.cursor < this.received.length) {
          const item = this.received[this.cursor] as T;
          this.cursor++;
          return { value: item };
        }
        return undefined;
      },
      timeoutMs,
      what,
    );
  }

  /** The first received item (taken or not) that satisfies `predicate`. */
  find(predicate: (item: T) => boolean, timeoutMs: number, what = "a matching item"): Promise<T> {
    let scanned = 0;
    return this.waitUntil(
      () => {
        for (; scanned < this.received.length; scanned++) {
          const item = this.received[scanned] as T;
          if (predicate(item)) return { value: item };
        }
        return undefined;
      },
      timeoutMs,
      what,
    );
  }

  /** Resolves once at least `count` items have been received. */
  atLeast(count: number, timeoutMs: number, what = `${count} items`): Promise<T[]> {
    return this.waitUntil(
      () => (this.received.length >= count ? { value: this.received } : undefined),
      timeoutMs,
      () => `${what} (received ${this.received.length})`,
    );
  }

  /**
   * Resolves when the iteration finishes: with `{ error }` when it threw, `{}` when it simply
   * ended. Rejects on timeout: an iteration that never ends is what the suite exists to catch.
   */
  settled(timeoutMs: number, what = "the iteration to end"): Promise<{ error?: unknown }> {
    return this.waitUntil(
      () => {
        if (!this.endedFlag) return undefined;
        return { value: this.failure === undefined ? {} : { error: this.failure.error } };
      },
      timeoutMs,
      what,
      true,
    );
  }

  private async pump(source: AsyncIterable<T>): Promise<void> {
    try {
      for await (const item of source) {
        this.received.push(item);
        this.notify();
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.endedFlag = true;
      this.notify();
    }
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private waitUntil<R>(
    check: () => { value: R } | undefined,
    timeoutMs: number,
    what: string | (() => string),
    endIsOk = false,
  ): Promise<R> {
    const describe = typeof what === "string" ? () => what : what;
    return new Promise<R>((resolve, reject) => {
      let done = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        done = true;
        this.listeners.delete(attempt);
        if (timer !== undefined) clearTimeout(timer);
      };
      const attempt = (): void => {
        if (done) return;
        const hit = check();
        if (hit !== undefined) {
          finish();
          resolve(hit.value);
        } else if (this.endedFlag && !endIsOk) {
          finish();
          const why =
            this.failure === undefined
              ? "the iteration ended"
              : `the iteration failed: ${String(this.failure.error)}`;
          reject(new Error(`waiting for ${describe()}: ${why}`));
        }
      };
      attempt();
      if (done) return;
      this.listeners.add(attempt);
      timer = setTimeout(() => {
        finish();
        reject(
          new ComplianceTimeoutError(`timed out after ${timeoutMs} ms waiting for ${describe()}`),
        );
      }, timeoutMs);
    });
  }
}

const datagramInboxes = new WeakMap<Transport, Inbox<Datagram>>();
const streamInboxes = new WeakMap<Transport, Inbox<Stream>>();
const frameInboxes = new WeakMap<Stream, Inbox<Uint8Array>>();

/** The inbox cached in `cache` for `source`, made from `items` the first time. */
function cachedInbox<K extends object, T>(
  cache: WeakMap<K, Inbox<T>>,
  source: K,
  items: (source: K) => AsyncIterable<T>,
): Inbox<T> {
  let inbox = cache.get(source);
  if (inbox === undefined) {
    inbox = new Inbox(items(source));
    cache.set(source, inbox);
  }
  return inbox;
}

/** The (shared, cached) {@link Inbox} consuming `transport.datagrams()`. */
export function datagramsOf(transport: Transport): Inbox<Datagram> {
  return cachedInbox(datagramInboxes, transport, (t) => t.datagrams());
}

/** The (shared, cached) {@link Inbox} consuming `transport.streams()`. */
export function streamsOf(transport: Transport): Inbox<Stream> {
  return cachedInbox(streamInboxes, transport, (t) => t.streams());
}

/** The (shared, cached) {@link Inbox} consuming the frames of `stream`. */
export function framesOf(stream: Stream): Inbox<Uint8Array> {
  return cachedInbox(frameInboxes, stream, (s) => s);
}

/**
 * The next datagram `transport` receives, within `timeoutMs`. It reads through the shared
 * {@link datagramsOf} inbox, so it can be called repeatedly and mixed with other helpers.
 */
export function firstDatagram(transport: Transport, timeoutMs: number): Promise<Datagram> {
  return datagramsOf(transport).next(timeoutMs, `a datagram at ${transport.address}`);
}
