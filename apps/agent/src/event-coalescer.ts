/** How long a coalesced event waits for a newer one of the same name, ms. */
export const COALESCE_WINDOW_MS = 200;

/**
 * Holds user events sent with `coalesce` for {@link COALESCE_WINDOW_MS}: an event of the same
 * name sent meanwhile replaces the one waiting, so a burst of "config changed" events goes out
 * once, with the last payload (Serf coalesces on the receiving side; doing it here keeps the
 * wire format unchanged and spares the cluster the burst).
 */
export class EventCoalescer {
  private readonly waiting = new Map<string, { payload: Uint8Array; timer: NodeJS.Timeout }>();

  constructor(private readonly send: (name: string, payload: Uint8Array) => void) {}

  /** Queues `name` with `payload`, replacing one of the same name still waiting. */
  add(name: string, payload: Uint8Array): void {
    const held = this.waiting.get(name);
    if (held !== undefined) {
      held.payload = payload;
      return;
    }
    const timer = setTimeout(() => {
      const entry = this.waiting.get(name);
      this.waiting.delete(name);
      if (entry !== undefined) this.send(name, entry.payload);
    }, COALESCE_WINDOW_MS);
    timer.unref();
    this.waiting.set(name, { payload, timer });
  }

  /** Drops what is waiting (at shutdown). */
  close(): void {
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }
}
