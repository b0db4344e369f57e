import type { Clock, TimerHandle } from "@grapevine/protocol";

/** A timer on a {@link VirtualClock}; also its heap entry, so scheduling allocates one object. */
class VirtualTimer {
  constructor(
    /** When it fires (virtual ms). */
    readonly time: number,
    /**
     * When it was set (virtual ms), or as of when it is to count as set: ties at one `time` fire
     * in the order the timers were set, by this and then by {@link seq}.
     */
    readonly setAt: number,
    /** Insertion order. */
    readonly seq: number,
    /** The callback; `undefined` once fired or cancelled. */
    public fn: (() => void) | undefined,
  ) {}
}

/** Options for {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** Initial time in ms (default 0). */
  readonly startMs?: number;
  /**
   * How the clock lets promise chains settle after each batch of timers at one timestamp, so
   * `async` consumers (e.g. of `datagrams()`) run at the time of the event that woke them.
   * Default: one macrotask turn (`setImmediate`). `null` skips settling: only for code driven
   * purely by synchronous timer callbacks, where it is several times faster.
   */
  readonly settle?: (() => Promise<void>) | null;
}

const settleByImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A {@link Clock} whose time moves only when told to, jumping from one timer to the next. Timers
 * fire in (time, insertion) order, so the same schedule always runs the same way: with seeded
 * randomness this makes a whole simulation reproducible.
 *
 * Time advances through {@link VirtualClock.runUntil}, {@link VirtualClock.runFor} and
 * {@link VirtualClock.runUntilIdle}. All timers due at one timestamp fire as a batch, then the
 * clock lets promise chains settle; timers those chains schedule for the same timestamp fire in a
 * further batch at that timestamp before time moves on. Timers live in a 4-ary heap; a cancelled
 * timer is only marked and is skipped when it reaches the top.
 */
export class VirtualClock implements Clock {
  private readonly heap: VirtualTimer[] = [];
  private times = new Float64Array(1024);
  private setAts = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private current: number;
  private seq = 0;
  private live = 0;
  private cancelled = 0;
  private fired = 0;
  private running = false;
  private readonly settle: (() => Promise<void>) | null;
  private wake: (() => void) | undefined;

  constructor(options: VirtualClockOptions = {}) {
    this.current = options.startMs ?? 0;
    this.settle = options.settle === undefined ? settleByImmediate : options.settle;
  }

  /** Current virtual time in ms. */
  now(): number {
    return this.current;
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pending(): number {
    return this.live;
  }

  /** Timers fired since the clock was made (for benchmarks and sanity checks). */
  get firedCount(): number {
    return this.fired;
  }

  /** Time of the next timer to fire, or `undefined` when none is pending. */
  nextTime(): number | undefined {
    return this.top()?.time;
  }

  /** Schedules `fn` at `now() + delayMs` (a negative or NaN delay counts as 0). */
  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    // biome-ignore lint/complexity/useMathMinMax: a NaN delay must count as 0, not poison the heap.
    const delay = delayMs > 0 ? delayMs : 0;
    return this.add(new VirtualTimer(this.current + delay, this.current, this.seq++, fn));
  }

  /**
   * Schedules `fn` at the virtual time `timeMs` exactly (at `now()` if that has passed): for a
   * caller that computed the time itself and must not see it rounded through a delay. Among timers
   * due at the same time it fires as if it had been set at `setAtMs` (default now; never before
   * now): after the timers set before then, before those set after.
   */
  setTimeoutAt(fn: () => void, timeMs: number, setAtMs = this.current): TimerHandle {
    // biome-ignore lint/complexity/useMathMinMax: a NaN time must count as now, not poison the heap.
    const time = timeMs > this.current ? timeMs : this.current;
    // biome-ignore lint/complexity/useMathMinMax: likewise.
    const setAt = setAtMs > this.current ? setAtMs : this.current;
    return this.add(new VirtualTimer(time, setAt, this.seq++, fn));
  }

  /** Queues `timer` and wakes a `run` waiting for one. */
  private add(timer: VirtualTimer): VirtualTimer {
    this.push(timer);
    this.live++;
    const wake = this.wake;
    if (wake !== undefined) {
      this.wake = undefined;
      wake();
    }
    return timer;
  }

  /** Cancels a timer of this clock; fired, cancelled or foreign handles are ignored. */
  clearTimeout(handle: TimerHandle): void {
    if (!(handle instanceof VirtualTimer) || handle.fn === undefined) return;
    handle.fn = undefined;
    this.live--;
    this.cancelled++;
    if (this.cancelled > 4096 && this.cancelled * 2 > this.heap.length) this.compact();
  }

  /**
   * Fires every timer due at or before `timeMs`, in order, settling promise chains after each
   * timestamp, then sets the time to `timeMs` (time never goes back). Rejects if a timer callback
   * throws (the clock stays usable) or if another run is in progress.
   */
  async runUntil(timeMs: number): Promise<void> {
    await this.run(timeMs, false);
  }

  /** {@link VirtualClock.runUntil} `now() + ms`. */
  async runFor(ms: number): Promise<void> {
    await this.run(this.current + ms, false);
  }

  /**
   * Runs until no timer is pending, but not beyond `now() + limitMs` (default one virtual hour,
   * so periodic timers cannot make it spin for ever). Resolves `true` when it stopped because
   * nothing was pending, `false` when it hit the limit (time is then `now() + limitMs`).
   */
  async runUntilIdle(limitMs = 3_600_000): Promise<boolean> {
    return this.run(this.current + limitMs, true);
  }

  /**
   * Advances time by itself whenever timers are pending, as fast as they can fire, until the
   * returned function is called. For driving code written against real time (e.g. the
   * transport compliance suite) on this clock. While it runs, do not call the `run*` methods.
   */
  startAutoAdvance(): () => void {
    let stopped = false;
    const loop = async (): Promise<void> => {
      while (!stopped) {
        const next = this.nextTime();
        if (next === undefined) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          // Let the code that scheduled the timer finish its synchronous work first.
          await settleByImmediate();
          continue;
        }
        await this.run(next, false);
      }
    };
    void loop();
    return () => {
      stopped = true;
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    };
  }

  private async run(limit: number, stopWhenIdle: boolean): Promise<boolean> {
    if (this.running) throw new Error("VirtualClock: a run is already in progress");
    this.running = true;
    try {
      const settle = this.settle;
      if (settle !== null) await settle();
      for (;;) {
        const next = this.top();
        if (next === undefined || next.time > limit) break;
        if (next.time > this.current) this.current = next.time;
        this.fireBatch(this.current, this.seq);
        if (settle !== null) await settle();
      }
      const idle = this.live === 0;
      if (!(stopWhenIdle && idle) && limit > this.current && Number.isFinite(limit)) {
        this.current = limit;
      }
      return idle;
    } finally {
      this.running = false;
    }
  }

  /** Fires the timers due at `time` that were scheduled before `seqBound`. */
  private fireBatch(time: number, seqBound: number): void {
    const heap = this.heap;
    for (;;) {
      const head = heap[0];
      if (head === undefined || head.time > time || head.seq >= seqBound) return;
      this.pop();
      const fn = head.fn;
      if (fn === undefined) {
        this.cancelled--;
        continue;
      }
      head.fn = undefined;
      this.live--;
      this.fired++;
      fn();
    }
  }

  /** The earliest live timer, discarding cancelled ones from the top. */
  private top(): VirtualTimer | undefined {
    const heap = this.heap;
    for (;;) {
      const head = heap[0];
      if (head === undefined || head.fn !== undefined) return head;
      this.pop();
      this.cancelled--;
    }
  }

  /**
   * The heap is 4-ary (fewer levels than binary) and keeps each entry's (time, setAt, seq) key in
   * typed arrays parallel to `heap`, so sifting compares numbers in contiguous memory instead of
   * following a pointer per comparison.
   */
  private push(timer: VirtualTimer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(timer);
    if (i >= this.times.length) this.growKeys();
    const times = this.times;
    const setAts = this.setAts;
    const seqs = this.seqs;
    const time = timer.time;
    const setAt = timer.setAt;
    const seq = timer.seq;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      if (before(times[parent]!, setAts[parent]!, seqs[parent]!, time, setAt, seq)) break;
      this.place(i, heap[parent]!, times[parent]!, setAts[parent]!, seqs[parent]!);
      i = parent;
    }
    this.place(i, timer, time, setAt, seq);
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    const n = heap.length;
    if (last === undefined || n === 0) return;
    const times = this.times;
    const setAts = this.setAts;
    const seqs = this.seqs;
    const time = times[n]!;
    const setAt = setAts[n]!;
    const seq = seqs[n]!;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let child = first;
      let childTime = times[first]!;
      let childSetAt = setAts[first]!;
      let childSeq = seqs[first]!;
      const end = Math.min(first + 4, n);
      for (let k = first + 1; k < end; k++) {
        if (before(times[k]!, setAts[k]!, seqs[k]!, childTime, childSetAt, childSeq)) {
          child = k;
          childTime = times[k]!;
          childSetAt = setAts[k]!;
          childSeq = seqs[k]!;
        }
      }
      if (before(time, setAt, seq, childTime, childSetAt, childSeq)) break;
      this.place(i, heap[child]!, childTime, childSetAt, childSeq);
      i = child;
    }
    this.place(i, last, time, setAt, seq);
  }

  /** Puts `timer` and its keys at heap index `i`. */
  private place(i: number, timer: VirtualTimer, time: number, setAt: number, seq: number): void {
    this.heap[i] = timer;
    this.times[i] = time;
    this.setAts[i] = setAt;
    this.seqs[i] = seq;
  }

  private growKeys(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const setAts = new Float64Array(this.setAts.length * 2);
    setAts.set(this.setAts);
    this.setAts = setAts;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }

  /** Rebuilds the heap without cancelled timers. */
  private compact(): void {
    const liveTimers = this.heap.filter((t) => t.fn !== undefined);
    this.heap.length = 0;
    for (const t of liveTimers) this.push(t);
    this.cancelled = 0;
  }
}

/** Whether the timer keyed (time, setAt, seq) fires before the one keyed (time2, setAt2, seq2). */
function before(
  time: number,
  setAt: number,
  seq: number,
  time2: number,
  setAt2: number,
  seq2: number,
): boolean {
  if (time !== time2) return time < time2;
  return setAt < setAt2 || (setAt === setAt2 && seq < seq2);
}
