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

/** What {@link compare} found: the median ratio of `a`'s rate to `b`'s, and its range. */
export interface Comparison {
  readonly ratio: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: number;
}

/**
 * The speed of `a` relative to `b`, measured in alternating slices (`a` then `b`, then `b` then
 * `a`, …) so that both see the same machine, and per second of this process's CPU time rather
 * than of wall time, so that time spent descheduled by other processes counts for neither. On a
 * shared machine whose load drifts over seconds, rates measured minutes apart are not
 * comparable; two measured this way are. Each round runs both for `sliceMs` of CPU time; the
 * ratio of the two rates is kept, and the median over `rounds` is reported with the smallest
 * and largest.
 */
export function compare(
  a: (i: number) => unknown,
  b: (i: number) => unknown,
  options: { readonly rounds?: number; readonly sliceMs?: number } = {},
): Comparison {
  const rounds = options.rounds ?? 15;
  const sliceMs = options.sliceMs ?? 100;
  let sink: unknown;
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const rate = (fn: (i: number) => unknown) => {
    let ops = 0;
    const cpu = process.cpuUsage();
    const wallStart = performance.now();
    let lastCheck = wallStart;
    let spent = 0;
    // Reading the CPU clock is a system call: do it once per 2 ms of wall time, not per batch.
    while (spent < sliceMs) {
      for (let k = 0; k < 64; k++) sink = fn(ops++);
      const now = performance.now();
      if (now - lastCheck >= 2) {
        lastCheck = now;
        spent = cpuMs(cpu);
        if (now - wallStart > 50 * sliceMs) break;
      }
    }
    return (ops * 1000) / cpuMs(cpu);
  };
  rate(a);
  rate(b);
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      const ra = rate(a);
      ratios.push(ra / rate(b));
    } else {
      const rb = rate(b);
      ratios.push(rate(a) / rb);
    }
  }
  if (sink === Symbol.for("never")) console.log("");
  ratios.sort((x, y) => x - y);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    ratio: round2(ratios[Math.floor(ratios.length / 2)]!),
    min: round2(ratios[0]!),
    max: round2(ratios[ratios.length - 1]!),
    rounds,
  };
}
