/** Handle of a scheduled timer; pass it to {@link Clock.clearTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Where time comes from. The runtime uses real time; the simulator and protocol tests use a
 * virtual clock that jumps from event to event, so the same code runs in both.
 */
export interface Clock {
  /** Current time in ms (monotonic; the origin is arbitrary). */
  now(): number;
  /** Calls `fn` once, `delayMs` from now. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; a handle already fired or cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, delayMs) => {
    const t = setTimeout(fn, Math.max(0, delayMs));
    // A background timer must not keep the process alive on its own.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
