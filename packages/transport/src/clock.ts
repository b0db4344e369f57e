import type {
  Clock as ProtocolClock,
  TimerHandle as ProtocolTimerHandle,
} from "@grapevine/protocol";

/**
 * Handle of a scheduled timer.
 * @deprecated Import `TimerHandle` from `@grapevine/protocol`.
 */
export type TimerHandle = ProtocolTimerHandle;

/**
 * Where time comes from.
 * @deprecated Import `Clock` from `@grapevine/protocol`.
 */
export type Clock = ProtocolClock;

/**
 * How much later than asked a {@link systemClock} timer is set, ms. Node's timers count on the
 * event loop's clock, whole milliseconds read when the loop last woke, up to a millisecond behind
 * `performance.now()`: a timer set for exactly `delayMs` fires early about half the time, and a
 * caller that wants its deadline passed (the cluster runtime does) has to sleep again, a second
 * wake-up for one deadline. One millisecond more covers the rounding; a timer can still come
 * early when the loop was busy for longer before setting it.
 */
const TIMER_SLACK_MS = 1;

/**
 * The real clock: `performance.now()` and Node timers, which do not keep the process alive. A
 * timer fires no earlier than `delayMs` by `now()` (unless the loop was busy when it was set) and
 * up to {@link TIMER_SLACK_MS} + 1 ms later. It lives here rather than in `@grapevine/protocol`,
 * which does no I/O.
 */
export const systemClock: ProtocolClock = {
  now: () => performance.now(),
  setTimeout: (fn, delayMs) => {
    const t = setTimeout(fn, Math.max(0, delayMs) + TIMER_SLACK_MS);
    // A background timer must not keep the process alive on its own.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
