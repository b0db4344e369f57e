import { type AgentSnapshot, writeSnapshot } from "./snapshot.js";

/** Options of {@link SnapshotWriter}. Times in ms. */
export interface SnapshotWriterOptions {
  /** The data dir. */
  readonly dir: string;
  /** Takes a fresh snapshot of the running agent. */
  readonly take: () => AgentSnapshot;
  /** Reports a failed write (the writer keeps going). */
  readonly onError: (err: unknown) => void;
  /** Quiet time after a change before it is written (default 500). */
  readonly debounceMs?: number;
  /** Period of unconditional writes (default 30,000). */
  readonly intervalMs?: number;
}

/**
 * Keeps the snapshot in the data dir current: written periodically, shortly after changes
 * (debounced, so a burst of membership events costs one write), and at once on {@link flush}.
 */
export class SnapshotWriter {
  private debounce: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Successful writes so far. */
  writes = 0;

  constructor(private readonly options: SnapshotWriterOptions) {}

  /** Starts the periodic writes. */
  start(): void {
    this.periodic = setInterval(() => this.flush(), this.options.intervalMs ?? 30_000);
    this.periodic.unref();
  }

  /** Something worth keeping changed: write soon. */
  changed(): void {
    if (this.stopped || this.debounce !== undefined) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.flush();
    }, this.options.debounceMs ?? 500);
    this.debounce.unref();
  }

  /** Writes now (synchronously). Returns false when the write failed (already reported). */
  flush(): boolean {
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = undefined;
    try {
      writeSnapshot(this.options.dir, this.options.take());
      this.writes += 1;
      return true;
    } catch (err) {
      this.options.onError(err);
      return false;
    }
  }

  /** Stops the timers; {@link flush} still works. */
  stop(): void {
    this.stopped = true;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    if (this.periodic !== undefined) clearInterval(this.periodic);
    this.debounce = undefined;
    this.periodic = undefined;
  }
}
