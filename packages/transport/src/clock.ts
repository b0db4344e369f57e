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
 *
 * A timer never fires before its time by `now()`. Node starts a timer from the event loop's
 * cached time, which lags `performance.now()` by however long the current turn has run, so a
 * timer set late in a busy turn could fire that much early. Such a timer waits out the rest
 * instead: a caller that sleeps until a deadline is not woken just before it, only to find
 * nothing due and sleep again.
 */
export const systemClock: ProtocolClock = {
  now: () => performance.now(),
  setTimeout: (fn, delayMs) => new SystemTimer(fn, Math.max(0, delayMs)),
  clearTimeout: (handle) => (handle as SystemTimer).clear(),
};

class SystemTimer {
  private readonly due: number;
  private timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly fn: () => void,
    delayMs: number,
  ) {
    this.due = performance.now() + delayMs;
    this.timer = background(setTimeout(this.fire, delayMs));
  }

  private readonly fire = (): void => {
    const left = this.due - performance.now();
    if (left > 0) this.timer = background(setTimeout(this.fire, left));
    else this.fn();
  };

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** A background timer must not keep the process alive on its own. */
function background(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
