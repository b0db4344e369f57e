import { randomBytes } from "node:crypto";
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

/** An RNG seeded from the operating system's entropy: the default outside simulations. */
export function cryptoRng(): Rng {
  return seededRng(randomBytes(16).toString("hex"));
}

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}
