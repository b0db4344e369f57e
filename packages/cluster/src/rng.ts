import { randomBytes } from "node:crypto";

/** A source of uniform randomness in [0, 1): what swim and state take as their injected RNG. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

/**
 * A small, fast seeded PRNG (sfc32: Chris Doty-Humphrey's Small Fast Counter). Same seed, same
 * sequence, on every platform: what makes simulations and protocol tests reproducible.
 */
export function seededRng(seed: number | string): Rng {
  let h = 1779033703 ^ 0;
  const text = String(seed);
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const mix = (): number => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    h ^= h >>> 16;
    return h >>> 0;
  };
  let a = mix();
  let b = mix();
  let c = mix();
  let d = 1;
  const rng = {
    next(): number {
      a >>>= 0;
      b >>>= 0;
      c >>>= 0;
      d >>>= 0;
      const t = (a + b + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      return (t >>> 0) / 4294967296;
    },
  };
  // Discard the first outputs: sfc32 needs a few rounds to mix a weak seed.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/** An RNG seeded from the operating system's entropy: the default outside simulations. */
export function cryptoRng(): Rng {
  return seededRng(randomBytes(16).toString("hex"));
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}
