import type { Rng } from "@grapevine/protocol";

/**
 * One-way delay of a link, in ms:
 * - a number: always that delay;
 * - `{ meanMs, jitterMs }`: uniform in `[meanMs - jitterMs, meanMs + jitterMs]`, never below 0,
 *   drawn from the network's seeded generator;
 * - a function of the sender and receiver addresses and the network's generator.
 *
 * Whole-millisecond delays let a virtual clock fire many deliveries per time step, which is
 * markedly faster than a distinct timestamp per delivery.
 */
export type LatencyModel =
  | number
  | { readonly meanMs: number; readonly jitterMs?: number }
  | ((from: string, to: string, random: Rng) => number);

/** A latency model reduced to one function (ms). */
export type LatencySampler = (from: string, to: string, random: Rng) => number;

function checkMs(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${what} must be a finite number of ms >= 0, got ${value}`);
  }
  return value;
}

/** Turns a {@link LatencyModel} into a sampler; validates constants once. */
export function latencySampler(model: LatencyModel): LatencySampler {
  if (typeof model === "number") {
    const ms = checkMs(model, "latency");
    return () => ms;
  }
  if (typeof model === "function") {
    return (from, to, random) => {
      const ms = model(from, to, random);
      return Number.isFinite(ms) && ms > 0 ? ms : 0;
    };
  }
  const mean = checkMs(model.meanMs, "meanMs");
  const jitter = checkMs(model.jitterMs ?? 0, "jitterMs");
  if (jitter === 0) return () => mean;
  return (_from, _to, random) => {
    return Math.max(0, mean + (random.next() * 2 - 1) * jitter);
  };
}
