import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Options for {@link measure}. */
export interface MeasureOptions {
  /** Minimum wall time per sample, in ms. */
  readonly sampleMs?: number;
  /** Number of samples; the median is reported. */
  readonly samples?: number;
}

/**
 * Runs `fn` repeatedly and returns the median operations per second over several samples (the
 * machine is shared and noisy, so one sample is not a figure). `fn` is called with the iteration
 * index and should do one operation.
 */
export function measure(fn: (i: number) => unknown, options: MeasureOptions = {}): number {
  const sampleMs = options.sampleMs ?? 300;
  const samples = options.samples ?? 5;
  // Warm up so the JIT has compiled the hot path before timing.
  let sink: unknown;
  const warmEnd = performance.now() + Math.min(200, sampleMs);
  for (let i = 0; performance.now() < warmEnd; i++) sink = fn(i);
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < sampleMs) {
      for (let k = 0; k < 64; k++) sink = fn(ops++);
      now = performance.now();
    }
    rates.push((ops * 1000) / (now - start));
  }
  if (sink === Symbol.for("never")) console.log("");
  rates.sort((a, b) => a - b);
  return Math.round(rates[Math.floor(rates.length / 2)]!);
}

/** Prints one benchmark row as a JSON line. */
export function report(row: Record<string, unknown>): void {
  console.log(JSON.stringify(row));
}

/** A full garbage collection, if one can be forced (gc exposed through `--expose-gc`). */
export function forcedGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** Heap in use after three forced full collections (without `gc`, as it stands). */
export function heapAfterGc(gc: (() => void) | null): number {
  if (gc !== null) for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}
