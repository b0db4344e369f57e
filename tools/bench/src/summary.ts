/** Median and range of one figure over the trials. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Every trial's value, in trial order. */
  values: number[];
}

/** The median, min and max of `values` (and the values), each to 4 significant digits. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const round = (v: number) => Number(v.toPrecision(4));
  return {
    median: round(median),
    min: round(sorted[0]!),
    max: round(sorted[sorted.length - 1]!),
    values: values.map(round),
  };
}
