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
 * The real clock: `performance.now()` and Node timers, which do not keep the process alive. It
 * lives here rather than in `@grapevine/protocol`, which does no I/O.
 */
export const systemClock: ProtocolClock = {
  now: () => performance.now(),
  setTimeout: (fn, delayMs) => {
    const t = setTimeout(fn, Math.max(0, delayMs));
    // A background timer must not keep the process alive on its own.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
