/** A source of uniformly distributed numbers in `[0, 1)`, seeded so that a run can be replayed. */
export interface RandomSource {
  /** The next number in `[0, 1)`. */
  next(): number;
}

/** The seed {@link seededRandom} uses when none is given. */
export const DEFAULT_SEED = 0x5eed_1e55;

/**
 * A small, fast, seeded pseudo-random generator (sfc32, state filled by splitmix32 from the seed).
 * Not cryptographic; meant for reproducible simulations: the same seed yields the same sequence
 * on every platform.
 */
export function seededRandom(seed: number = DEFAULT_SEED): RandomSource {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // Discard the first outputs: sfc32 mixes its state over a few rounds.
  for (let i = 0; i < 12; i++) next();
  return { next };
}
