import { type Rng as ProtocolRng, seededRng as protocolSeededRng } from "@grapevine/protocol";

/** A source of uniform randomness in [0, 1): what swim and state take as their injected RNG. */
export type Rng = ProtocolRng;

/**
 * A seeded PRNG (`@grapevine/protocol`'s sfc32). The seed is always taken as text, so
 * `seededRng(7)` and `seededRng("7")` are the same sequence, as they have always been here.
 */
export function seededRng(seed: number | string): Rng {
  return protocolSeededRng(String(seed));
}

/** An RNG seeded from the platform's entropy (Web Crypto, in Node and browsers): the default outside simulations. */
export function cryptoRng(): Rng {
  const seed = globalThis.crypto.getRandomValues(new Uint32Array(4));
  return seededRng(Array.from(seed, (w) => w.toString(16).padStart(8, "0")).join(""));
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}
