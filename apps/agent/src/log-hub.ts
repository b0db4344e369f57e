/** One log line as `GET /v1/monitor` streams it. */
export interface LogRecord {
  /** pino level number: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
  readonly level: number;
  /** The pino JSON line, without its newline. */
  readonly line: string;
}

/** pino's level numbers by name. */
export const LEVELS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/**
 * Fans the agent's log lines out to live listeners (`grapevine monitor`). Lines are not kept: a
 * monitor sees what is logged while it is connected, as Serf's does.
 */
export class LogHub {
  private readonly listeners = new Set<(record: LogRecord) => void>();

  /** True while someone listens (the logger skips the parse otherwise). */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  /** Hands one pino JSON line to every listener. */
  publish(line: string): void {
    if (this.listeners.size === 0) return;
    let level = 30;
    try {
      level = Number((JSON.parse(line) as { level?: unknown }).level) || 30;
    } catch {
      // Not JSON: passed on at info.
    }
    const record = { level, line: line.trimEnd() };
    for (const listener of [...this.listeners]) listener(record);
  }

  /** Calls `listener` with every line from now on; returns the unsubscribe function. */
  subscribe(listener: (record: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
