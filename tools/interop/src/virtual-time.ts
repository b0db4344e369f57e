import type { VirtualClock } from "@grapevine/transport-memory";
import { WaitTimeoutError } from "./wait-for.js";

/**
 * Runs a {@link VirtualClock} forward in steps of `stepMs` until `predicate` holds, and resolves
 * with the virtual time it took (ms). Rejects with {@link WaitTimeoutError} once `limitMs` of
 * virtual time has passed. The virtual-clock counterpart of `waitFor`: exact and reproducible,
 * and a minute of protocol time takes milliseconds.
 */
export async function runUntil(
  clock: VirtualClock,
  predicate: () => boolean,
  limitMs: number,
  what: string,
  stepMs = 50,
): Promise<number> {
  const started = clock.now();
  for (;;) {
    if (predicate()) return clock.now() - started;
    if (clock.now() - started >= limitMs) {
      throw new WaitTimeoutError(`${what} (virtual time)`, limitMs, "");
    }
    await clock.runFor(stepMs);
  }
}
