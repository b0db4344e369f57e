import { type Rng, seededRng } from "@grapevine/protocol";

/**
 * A source of uniformly distributed numbers in `[0, 1)`, seeded so that a run can be replayed.
 * @deprecated Use `Rng` from `@grapevine/protocol`.
 */
export type RandomSource = Rng;

/** The seed of the network's generator when none is given (`MemoryNetworkOptions.rng`). */
export const DEFAULT_SEED = 0x5eed_1e55;

/**
 * A seeded generator: `seededRng(seed)` of `@grapevine/protocol`, which gives the same sequence
 * for a numeric seed as this function always did.
 * @deprecated Use `seededRng` from `@grapevine/protocol`.
 */
export function seededRandom(seed: number = DEFAULT_SEED): Rng {
  return seededRng(seed);
}
