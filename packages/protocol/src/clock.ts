/** Handle of a scheduled timer; pass it to {@link Clock.clearTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Where time comes from, for the runtime that drives the sans-IO cores. The runtime uses real
 * time (`systemClock` in `@grapevine/transport`); the simulator and protocol tests use a virtual
 * clock that jumps from event to event (`VirtualClock` in `@grapevine/transport-memory`), so the
 * same code runs in both. The cores themselves never hold a clock: they take `now` (ms).
 */
export interface Clock {
  /** Current time in ms (monotonic; the origin is arbitrary). */
  now(): number;
  /** Calls `fn` once, `delayMs` from now. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; a handle already fired or cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}
