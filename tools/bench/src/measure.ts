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
