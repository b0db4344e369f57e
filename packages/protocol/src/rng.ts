/**
 * The injected source of randomness. Sans-IO code never calls a global random function: every
 * random choice (probe order, gossip targets, tie-breaks, simulated loss and jitter) draws from
 * the `Rng` handed to it, so one seed reproduces one run exactly.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

const TWO_TO_32 = 4294967296;
/** Outputs discarded after seeding: sfc32 mixes its state over a few rounds. */
const WARM_UP_ROUNDS = 12;

/**
 * The one seeded generator: sfc32 (Chris Doty-Humphrey's Small Fast Counter, from PractRand),
 * small, fast and with no known statistical flaws at this size. Not cryptographic: it only has to
 * be well spread and reproducible, the same sequence on every platform.
 *
 * How the seed fills the 128-bit state:
 * - a string is hashed (a murmur3-style mix of its UTF-16 code units, then `d = 1`): any text
 *   names a run (`"7:n17"`, a node's seed in a simulation of seed 7);
 * - a number is taken as an unsigned 32-bit integer (its low 32 bits) and expanded by splitmix32.
 *
 * So `seededRng(7)` and `seededRng("7")` are different sequences. Both kinds of seed give exactly
 * the sequences the simulator has always used (node RNGs from strings, the network's from its
 * numeric seed), so recorded run hashes stay valid.
 */
export function seededRng(seed: number | string): Rng {
  return typeof seed === "string" ? seededFromText(seed) : seededFromInteger(seed);
}

function seededFromText(text: string): Rng {
  let h = 1779033703 ^ 0;
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
  const a = mix();
  const b = mix();
  const c = mix();
  return sfc32(a, b, c, 1);
}

function seededFromInteger(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const a = splitmix32();
  const b = splitmix32();
  const c = splitmix32();
  const d = splitmix32();
  return sfc32(a, b, c, d);
}

/**
 * sfc32 from a 128-bit state (four unsigned 32-bit words), warmed up. The state lives in a
 * `Uint32Array` (whose stores wrap modulo 2³²): words held in closure variables above 2³⁰ would be
 * boxed as heap numbers, four allocations a draw, and draws are three times slower.
 */
function sfc32(a: number, b: number, c: number, d: number): Rng {
  const state = new Uint32Array([a, b, c, d]);
  const next = (): number => {
    const a = state[0]!;
    const b = state[1]!;
    const c = state[2]!;
    const d = state[3]!;
    const t = (((a + b) >>> 0) + d) >>> 0;
    state[3] = d + 1;
    state[0] = b ^ (b >>> 9);
    state[1] = c + (c << 3);
    state[2] = ((c << 21) | (c >>> 11)) + t;
    return t / TWO_TO_32;
  };
  for (let i = 0; i < WARM_UP_ROUNDS; i++) next();
  return { next };
}

/**
 * A uniform integer in [0, length). `length` must be a positive integer. Guards against a
 * generator that returns exactly 1 by clamping to the last index.
 */
export function randomIndex(rng: Rng, length: number): number {
  const i = Math.floor(rng.next() * length);
  return i < length ? i : length - 1;
}
