/**
 * The injected source of randomness. Swim never calls a global random function: every random
 * choice (probe order, insertion positions, indirect probers, gossip targets) draws from the
 * `Rng` handed to it, so one seed reproduces one run exactly.
 */
export interface Rng {
  /** uniform in [0,1) */
  next(): number;
}

/**
 * A small, fast, seedable generator (mulberry32) for tests, simulations and callers that do not
 * bring their own. Not cryptographic: it only has to be well spread and reproducible.
 *
 * @param seed any number; only its low 32 bits are used.
 */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let r = Math.imul(state ^ (state >>> 15), 1 | state);
      r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
      return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * A uniform integer in [0, length). `length` must be a positive integer.
 * Guards against a generator that returns exactly 1 by clamping to the last index.
 */
export function randomIndex(rng: Rng, length: number): number {
  const i = Math.floor(rng.next() * length);
  return i < length ? i : length - 1;
}
