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
  const rng = new Sfc32(mix(), mix(), mix());
  // Discard the first outputs: sfc32 needs a few rounds to mix a weak seed.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/**
 * sfc32's state and step. A class, so that every generator shares one `next` and a call site
 * drawing from many generators (a simulator's 10,000 nodes) stays monomorphic.
 */
class Sfc32 implements Rng {
  private d = 1;

  constructor(
    private a: number,
    private b: number,
    private c: number,
  ) {}

  next(): number {
    const a = this.a >>> 0;
    const b = this.b >>> 0;
    const c = this.c >>> 0;
    const d = this.d >>> 0;
    const t = (a + b + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    const shifted = (c + (c << 3)) | 0;
    this.b = shifted;
    const rotated = (c << 21) | (c >>> 11);
    this.c = (rotated + t) | 0;
    return (t >>> 0) / 4294967296;
  }
}

/** An RNG seeded from the operating system's entropy: the default outside simulations. */
export function cryptoRng(): Rng {
  return seededRng(randomBytes(16).toString("hex"));
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}
