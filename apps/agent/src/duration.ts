import { UsageError } from "./errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration: a plain number is milliseconds (`5000`), or a number with a unit `ms`, `s`,
 * `m` or `h` (`500ms`, `5s`, `1.5m`). Numbers from a config file are milliseconds too.
 *
 * @param what names the option in the error message.
 * @returns ms, a non-negative integer.
 */
export function parseDuration(value: string | number, what: string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new UsageError(`${what}: expected a non-negative duration, got ${value}`);
    }
    return Math.round(value);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) {
    throw new UsageError(
      `${what}: expected a duration like 5000, 500ms, 5s or 1m, got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? "ms"] ?? 1));
}

/** Formats ms for people: `850ms`, `4.2s`, `1m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}
