import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** One JSON line a test process printed; `t` is its wall-clock time, ms. */
export type LineEvent = Record<string, unknown> & { readonly event: string; readonly t: number };

/** The JSON lines a child process prints, kept in order, with waits on them (never sleeps). */
export class JsonLines {
  readonly events: LineEvent[] = [];
  private waiters: { predicate: (e: LineEvent) => boolean; resolve: (e: LineEvent) => void }[] = [];

  constructor(input: Readable, onEvent: (e: LineEvent) => void = () => undefined) {
    createInterface({ input }).on("line", (line) => {
      let event: LineEvent;
      try {
        event = JSON.parse(line) as LineEvent;
      } catch {
        return;
      }
      this.events.push(event);
      onEvent(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(event)) return true;
        w.resolve(event);
        return false;
      });
    });
  }

  /** The first event (already seen or still to come) that satisfies `predicate`. */
  waitFor(
    predicate: (e: LineEvent) => boolean,
    timeoutMs: number,
    what = "event",
  ): Promise<LineEvent> {
    const seen = this.events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        const last = this.events.slice(-4).map((e) => JSON.stringify(e));
        reject(new Error(`no matching ${what} within ${timeoutMs} ms; last: ${last.join(" ")}`));
      }, timeoutMs);
      const done = (e: LineEvent) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }

  /** The next event after now that satisfies `predicate`. */
  next(predicate: (e: LineEvent) => boolean, timeoutMs: number, what?: string): Promise<LineEvent> {
    const from = this.events.length;
    return this.waitFor((e) => predicate(e) && this.events.indexOf(e) >= from, timeoutMs, what);
  }
}
