/**
 * The internal timer set of a sans-IO state machine (after foca's runtime): timers are plain
 * data in a min-heap, fired by the owner's `tick(now)`. Timers are never cancelled; each payload
 * carries whatever token its handler needs to recognise it as stale (a probe sequence number,
 * the suspicion object it belongs to, the state-change time of a member) and stale ones are
 * simply ignored when they fire. Timers due at the same instant fire in the order they were set,
 * so runs are reproducible.
 */
export class TimerSet<P> {
  private readonly heap: TimerEntry<P>[] = [];
  private order = 0;

  /** Number of pending timers, stale ones included. */
  get size(): number {
    return this.heap.length;
  }

  /** Set a timer for `at` (ms) carrying `payload`. */
  schedule(at: number, payload: P): void {
    const entry: TimerEntry<P> = { at, order: this.order++, payload };
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  /** When the earliest timer is due, ms; Infinity when none is set. */
  nextAt(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  /** When the second-earliest timer is due, ms; Infinity when there is none. */
  secondAt(): number {
    // In a binary heap the runner-up is one of the root's two children.
    const left = this.heap[1]?.at ?? Infinity;
    const right = this.heap[2]?.at ?? Infinity;
    return Math.min(left, right);
  }

  /** The earliest timer, without removing it. */
  peek(): { readonly at: number; readonly payload: P } | undefined {
    return this.heap[0];
  }

  /** Remove and return the earliest timer if it is due at or before `now`. */
  popDue(now: number): P | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && earlier(heap[right]!, heap[left]!) ? right : left;
        if (!earlier(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top.payload;
  }
}

interface TimerEntry<P> {
  readonly at: number;
  readonly order: number;
  readonly payload: P;
}

function earlier<P>(a: TimerEntry<P>, b: TimerEntry<P>): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
