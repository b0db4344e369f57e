/** How often {@link waitFor} re-checks its condition, ms. */
export const POLL_INTERVAL_MS = 20;

/** A condition did not hold within its deadline; `what` names the condition. */
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    detail: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail}` : ""}`);
  }
}

/**
 * Polls `predicate` every {@link POLL_INTERVAL_MS} until it returns true, and resolves with the
 * time it took (ms). Rejects with {@link WaitTimeoutError} once `timeoutMs` has passed; `describe`,
 * when given, is called then to say what the world looked like, so a failure explains itself.
 *
 * Real-socket tests synchronise on this, never on fixed sleeps: a fast machine finishes early, a
 * slow one gets the whole bound.
 */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
  describe?: () => string,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (predicate()) return performance.now() - started;
    if (performance.now() - started >= timeoutMs) {
      throw new WaitTimeoutError(what, timeoutMs, describe?.() ?? "");
    }
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/**
 * Polls every {@link POLL_INTERVAL_MS} until `until` returns true, rejecting as soon as
 * `invariant` is false: the dual of {@link waitFor}, for "stays so while the protocol makes
 * progress" (e.g. every node stays alive everywhere until each has run three more probes).
 * Rejects with {@link WaitTimeoutError} if `until` is still false after `timeoutMs`.
 */
export async function holdsUntil(
  invariant: () => boolean,
  until: () => boolean,
  timeoutMs: number,
  what: string,
  describe?: () => string,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (!invariant()) {
      const at = Math.round(performance.now() - started);
      throw new Error(`${what} stopped holding after ${at} ms${describe ? `: ${describe()}` : ""}`);
    }
    if (until()) return performance.now() - started;
    if (performance.now() - started >= timeoutMs) {
      throw new WaitTimeoutError(`the end of: ${what}`, timeoutMs, describe?.() ?? "");
    }
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
