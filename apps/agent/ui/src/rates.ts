/** Counter totals at one read of the overview, for rates. */
export interface Sample {
  /** When it was read, ms (the browser's clock). */
  readonly at: number;
  readonly counters: Readonly<Record<string, number>>;
}

/** Per-second rates of `pick` between consecutive samples. */
export function rates(
  samples: readonly Sample[],
  pick: (c: Readonly<Record<string, number>>) => number,
): number[] {
  const out: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (a === undefined || b === undefined || b.at <= a.at) continue;
    out.push(Math.max(0, ((pick(b.counters) - pick(a.counters)) * 1000) / (b.at - a.at)));
  }
  return out;
}
