/**
 * The injected source of randomness. The state layer never calls `Math.random`: the runtime passes
 * a seeded generator, so a simulation run (and every test) is reproducible from its seed.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}
