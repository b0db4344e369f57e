import {
  type Rng as ProtocolRng,
  randomIndex as protocolRandomIndex,
  seededRng as protocolSeededRng,
} from "@grapevine/protocol";

/**
 * The injected source of randomness: uniform in [0, 1).
 * @deprecated Import `Rng` from `@grapevine/protocol`.
 */
export type Rng = ProtocolRng;

/**
 * The seeded generator, for tests, simulations and callers that do not bring their own.
 * @deprecated Import `seededRng` from `@grapevine/protocol`. It is sfc32 and takes a string or a
 * number; this package's former generator (mulberry32) gave other sequences for the same number.
 */
export const seededRng: (seed: number | string) => ProtocolRng = protocolSeededRng;

/**
 * A uniform integer in [0, length).
 * @deprecated Import `randomIndex` from `@grapevine/protocol`.
 */
export const randomIndex: (rng: ProtocolRng, length: number) => number = protocolRandomIndex;
