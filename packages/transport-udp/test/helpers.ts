import { isTransportError, type TransportErrorCode } from "@grapevine/transport";

/** Resolves with `promise`, or rejects if it takes longer than `ms` (tests wait on events, bounded). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The next value of an async iterator, bounded by `ms`; fails if the iteration ended. */
export async function next<T>(it: AsyncIterator<T>, ms = 2000, what = "next item"): Promise<T> {
  const r = await within(it.next(), ms, what);
  if (r.done) throw new Error(`iteration ended while waiting for ${what}`);
  return r.value;
}

/** Collects every item until the iteration ends, bounded by `ms`. */
export async function drain<T>(iterable: AsyncIterable<T>, ms = 5000): Promise<T[]> {
  const out: T[] = [];
  await within(
    (async () => {
      for await (const item of iterable) out.push(item);
    })(),
    ms,
    "end of iteration",
  );
  return out;
}

/** The TransportError code a promise rejected with (fails the test if it resolved). */
export async function rejectionCode(
  promise: Promise<unknown>,
  ms = 5000,
): Promise<TransportErrorCode> {
  try {
    await within(promise, ms, "rejection");
  } catch (err) {
    if (isTransportError(err)) return err.code;
    throw err;
  }
  throw new Error("expected a rejection, got a value");
}

/** The TransportError code `fn` threw synchronously. */
export function thrownCode(fn: () => unknown): TransportErrorCode {
  try {
    fn();
  } catch (err) {
    if (isTransportError(err)) return err.code;
    throw err;
  }
  throw new Error("expected a throw");
}

/** Bytes 0..n-1 mod 251, a pattern that shows reordering and truncation. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i + seed) % 251;
  return out;
}

/**
 * Resolves once `condition()` holds, checking every few ms, or rejects after `ms`. For state a
 * test cannot observe through an event (a transport's counters).
 */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const holds = new Promise<void>((resolve) => {
    const check = () => {
      if (condition()) resolve();
      else timer = setTimeout(check, 2);
    };
    check();
  });
  try {
    await within(holds, ms, what);
  } finally {
    clearTimeout(timer);
  }
}
