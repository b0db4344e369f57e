import type { Clock, Stream } from "@grapevine/transport";
import { TransportError } from "@grapevine/transport";

/**
 * Races `promise` against a deadline on `clock` (so it works on virtual time too). On timeout,
 * calls `onTimeout` (e.g. to abort the stream) and rejects with `TransportError('timeout')`.
 */
export function withDeadline<T>(
  clock: Clock,
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = clock.setTimeout(() => {
      if (settled) return;
      settled = true;
      onTimeout?.();
      reject(new TransportError("timeout", `${what}: no answer within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Reads the next frame of `stream`, or `undefined` when the peer ended it. */
export async function readFrame(stream: Stream): Promise<Uint8Array | undefined> {
  const it = stream[Symbol.asyncIterator]();
  const r = await it.next();
  return r.done ? undefined : r.value;
}
