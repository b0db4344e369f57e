import type { Rng } from "@grapevine/swim";

/**
 * A network coordinate (Vivaldi, Dabek et al., SIGCOMM 2004) with the refinements Serf uses:
 * a height (the access link's share of every RTT, Vivaldi §5.5), an adjustment term (Lee et al.,
 * "On suitability of Euclidean embedding", 2010), and an error estimate (Vivaldi §4). Distances
 * are in seconds, as in Serf, so its constants apply unchanged.
 */
export interface Coordinate {
  /** Position in the Euclidean part of the space, seconds per axis. */
  readonly vec: readonly number[];
  /** Confidence: the moving relative error of this node's estimates (0 best, `errorMax` worst). */
  readonly error: number;
  /** Mean residual of recent samples (half of it is added to each side of a distance), seconds. */
  readonly adjustment: number;
  /** Height above the plane: latency that every path from this node pays, seconds (> 0). */
  readonly height: number;
}

/** The tuning of {@link VivaldiClient}: Serf's `coordinate.Config`, same names, same defaults. */
export interface VivaldiConfig {
  /** Axes of `vec` (Serf 8: Ledlie et al. saw no gain beyond 7). */
  readonly dimensionality: number;
  /** Error of a fresh coordinate and upper bound of the error (Serf 1.5). */
  readonly errorMax: number;
  /** At most this share of the error estimate moves per sample (Vivaldi `ce`, Serf 0.25). */
  readonly ce: number;
  /** At most this share of the residual moves the coordinate per sample (Vivaldi `cc`, Serf 0.25). */
  readonly cc: number;
  /** Samples averaged into the adjustment term; 0 turns it off (Serf 20). */
  readonly adjustmentWindow: number;
  /** Smallest height, seconds (Serf 10 µs). */
  readonly heightMin: number;
  /** RTT samples per peer whose median is used: a filter against outliers (Serf 3). */
  readonly latencyFilterSize: number;
  /** Gravity towards the origin, seconds: keeps the whole system from drifting (Serf 150). */
  readonly gravityRho: number;
}

/** Serf's defaults. */
export const DEFAULT_VIVALDI_CONFIG: VivaldiConfig = Object.freeze({
  dimensionality: 8,
  errorMax: 1.5,
  ce: 0.25,
  cc: 0.25,
  adjustmentWindow: 20,
  heightMin: 10e-6,
  latencyFilterSize: 3,
  gravityRho: 150,
});

/** Below this, two positions are the same point and a sample is treated as this many seconds. */
const ZERO_THRESHOLD = 1e-6;
/** Samples above this many seconds are refused as nonsense (Serf: 10 s). */
export const MAX_RTT_SECONDS = 10;

/** The coordinate of a node that has measured nothing: the origin, with the worst error. */
export function originCoordinate(config: VivaldiConfig = DEFAULT_VIVALDI_CONFIG): Coordinate {
  const vec = new Array<number>(config.dimensionality).fill(0);
  return { vec, error: config.errorMax, adjustment: 0, height: config.heightMin };
}

/** Whether `c` is usable with `config`: the right dimensionality and every number finite. */
export function isValidCoordinate(c: Coordinate, config: VivaldiConfig): boolean {
  if (c.vec.length !== config.dimensionality) return false;
  for (let i = 0; i < c.vec.length; i++) if (!Number.isFinite(c.vec[i])) return false;
  return Number.isFinite(c.error) && Number.isFinite(c.adjustment) && Number.isFinite(c.height);
}

/** Euclidean distance plus both heights, seconds (no adjustment). */
export function rawDistance(a: Coordinate, b: Coordinate): number {
  let sum = 0;
  for (let i = 0; i < a.vec.length; i++) {
    const d = (a.vec[i] ?? 0) - (b.vec[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum) + a.height + b.height;
}

/**
 * Estimated RTT between the nodes at `a` and `b`, seconds: the raw distance plus both adjustment
 * terms, unless that would not be positive (Serf's `DistanceTo`).
 */
export function estimateRtt(a: Coordinate, b: Coordinate): number {
  const raw = rawDistance(a, b);
  const adjusted = raw + a.adjustment + b.adjustment;
  return adjusted > 0 ? adjusted : raw;
}

/**
 * `c` moved by `force` seconds along the unit vector from `other` to `c` (a negative force pulls
 * towards `other`), its height moved in proportion (Vivaldi §5.5). Coincident points separate in
 * a random direction drawn from `rng`.
 */
export function applyForce(
  c: Coordinate,
  force: number,
  other: Coordinate,
  config: VivaldiConfig,
  rng: Rng,
): Coordinate {
  const vec = c.vec.slice();
  const height = moveBy(vec, c.height, force, other.vec, other.height, config, rng, []);
  return { ...c, vec, height };
}

/**
 * {@link applyForce} in place: moves `vec` (a position whose height is `height`) and returns the
 * new height. `unit` is scratch space. The arithmetic is applyForce's, operation for operation.
 */
function moveBy(
  vec: number[],
  height: number,
  force: number,
  otherVec: readonly number[],
  otherHeight: number,
  config: VivaldiConfig,
  rng: Rng,
  unit: number[],
): number {
  const dims = vec.length;
  unit.length = dims;
  let mag = 0;
  for (let i = 0; i < dims; i++) {
    const d = vec[i]! - (otherVec[i] ?? 0);
    unit[i] = d;
    mag += d * d;
  }
  mag = Math.sqrt(mag);
  if (mag > ZERO_THRESHOLD) {
    for (let i = 0; i < dims; i++) unit[i] = unit[i]! / mag;
  } else {
    randomUnit(unit, rng);
    mag = 0;
  }
  for (let i = 0; i < dims; i++) vec[i] = vec[i]! + unit[i]! * force;
  let moved = height;
  if (mag > ZERO_THRESHOLD) moved = ((height + otherHeight) * force) / mag + height;
  return Math.max(moved, config.heightMin);
}

function randomUnit(into: number[], rng: Rng): void {
  for (;;) {
    let mag = 0;
    for (let i = 0; i < into.length; i++) {
      into[i] = rng.next() - 0.5;
      mag += into[i]! * into[i]!;
    }
    mag = Math.sqrt(mag);
    if (mag > ZERO_THRESHOLD) {
      for (let i = 0; i < into.length; i++) into[i] = into[i]! / mag;
      return;
    }
  }
}

/**
 * One node's Vivaldi state (Serf's `coordinate.Client`), sans-IO: its coordinate, the latency
 * filter per peer and the adjustment window. {@link update} takes one RTT sample to a peer and the
 * peer's coordinate; randomness (only to separate coincident points) comes from the injected rng.
 */
export class VivaldiClient {
  // The coordinate, kept in place: a sample moves these without allocating, and `coordinate`
  // hands out an immutable copy, made once per change.
  private readonly vec: number[];
  private error: number;
  private adjustment: number;
  private height: number;
  private snapshot: Coordinate | undefined;
  private readonly unit: number[] = [];
  private readonly sorted: number[] = [];
  private readonly originVec: readonly number[];
  private readonly samples = new Map<string, number[]>();
  private readonly adjustments: number[];
  private adjustmentIndex = 0;
  /** Samples taken, and times the coordinate was reset after it went invalid. */
  readonly stats = { updates: 0, resets: 0 };

  constructor(
    private readonly rng: Rng,
    readonly config: VivaldiConfig = DEFAULT_VIVALDI_CONFIG,
  ) {
    const origin = originCoordinate(config);
    this.vec = origin.vec.slice();
    this.error = origin.error;
    this.adjustment = origin.adjustment;
    this.height = origin.height;
    this.snapshot = origin;
    this.originVec = originCoordinate(config).vec;
    this.adjustments = new Array<number>(config.adjustmentWindow).fill(0);
  }

  /** This node's coordinate. */
  get coordinate(): Coordinate {
    this.snapshot ??= {
      vec: this.vec.slice(),
      error: this.error,
      adjustment: this.adjustment,
      height: this.height,
    };
    return this.snapshot;
  }

  /**
   * One sample: `rttSeconds` measured to `node`, whose coordinate is `other`. Returns false (and
   * changes nothing) for a coordinate of another dimensionality or not finite, or an RTT that is
   * negative, not finite or over {@link MAX_RTT_SECONDS}.
   */
  update(node: string, other: Coordinate, rttSeconds: number): boolean {
    if (!isValidCoordinate(other, this.config)) return false;
    if (!(rttSeconds >= 0 && rttSeconds <= MAX_RTT_SECONDS)) return false;
    const rtt = this.filter(node, rttSeconds);
    this.snapshot = undefined;
    this.updateVivaldi(other, rtt);
    this.updateAdjustment(other, rtt);
    this.updateGravity();
    if (!this.valid()) {
      this.stats.resets += 1;
      const origin = originCoordinate(this.config);
      for (let i = 0; i < this.vec.length; i++) this.vec[i] = origin.vec[i]!;
      this.error = origin.error;
      this.adjustment = origin.adjustment;
      this.height = origin.height;
    }
    this.stats.updates += 1;
    return true;
  }

  /** Drops the latency samples of `node` (it left or failed). */
  forget(node: string): void {
    this.samples.delete(node);
  }

  private valid(): boolean {
    for (let i = 0; i < this.vec.length; i++) if (!Number.isFinite(this.vec[i])) return false;
    return (
      Number.isFinite(this.error) &&
      Number.isFinite(this.adjustment) &&
      Number.isFinite(this.height)
    );
  }

  /** Our raw distance to a position (seconds, no adjustment): {@link rawDistance}'s arithmetic. */
  private rawTo(otherVec: readonly number[], otherHeight: number): number {
    let sum = 0;
    for (let i = 0; i < this.vec.length; i++) {
      const d = this.vec[i]! - (otherVec[i] ?? 0);
      sum += d * d;
    }
    return Math.sqrt(sum) + this.height + otherHeight;
  }

  /** The median of the last `latencyFilterSize` samples to `node`, this one included. */
  private filter(node: string, rtt: number): number {
    let window = this.samples.get(node);
    if (window === undefined) {
      window = [];
      this.samples.set(node, window);
    }
    window.push(rtt);
    if (window.length > this.config.latencyFilterSize) window.shift();
    // Insertion sort into scratch space: the window is a handful of samples.
    const sorted = this.sorted;
    sorted.length = 0;
    for (const x of window) {
      let i = sorted.length;
      while (i > 0 && sorted[i - 1]! > x) {
        sorted[i] = sorted[i - 1]!;
        i--;
      }
      sorted[i] = x;
    }
    return sorted[sorted.length >> 1]!;
  }

  /** Vivaldi §4.3: the error estimate, then the coordinate, moved by the sample's weight. */
  private updateVivaldi(other: Coordinate, rttSeconds: number): void {
    const { ce, cc, errorMax } = this.config;
    const rtt = Math.max(rttSeconds, ZERO_THRESHOLD);
    // estimateRtt(ours, other)
    const raw = this.rawTo(other.vec, other.height);
    const adjusted = raw + this.adjustment + other.adjustment;
    const dist = adjusted > 0 ? adjusted : raw;
    const wrongness = Math.abs(dist - rtt) / rtt;
    const totalError = Math.max(this.error + other.error, ZERO_THRESHOLD);
    const weight = this.error / totalError;
    this.error = Math.min(ce * weight * wrongness + this.error * (1 - ce * weight), errorMax);
    const force = cc * weight * (rtt - dist);
    this.height = moveBy(
      this.vec,
      this.height,
      force,
      other.vec,
      other.height,
      this.config,
      this.rng,
      this.unit,
    );
  }

  /** The adjustment: half the mean residual over the window (Lee et al. 2010). */
  private updateAdjustment(other: Coordinate, rtt: number): void {
    const window = this.config.adjustmentWindow;
    if (window === 0) return;
    this.adjustments[this.adjustmentIndex] = rtt - this.rawTo(other.vec, other.height);
    this.adjustmentIndex = (this.adjustmentIndex + 1) % window;
    let sum = 0;
    for (const x of this.adjustments) sum += x;
    this.adjustment = sum / (2 * window);
  }

  /** A small pull towards the origin, growing with the square of the distance from it. */
  private updateGravity(): void {
    // estimateRtt(origin, ours): the origin's height is the smallest, its adjustment 0.
    const { heightMin, gravityRho } = this.config;
    let sum = 0;
    for (let i = 0; i < this.vec.length; i++) {
      const d = 0 - this.vec[i]!;
      sum += d * d;
    }
    const raw = Math.sqrt(sum) + heightMin + this.height;
    const adjusted = raw + 0 + this.adjustment;
    const dist = adjusted > 0 ? adjusted : raw;
    const pull = dist / gravityRho;
    // pull * pull, not pull ** 2: the same number (a single rounding), without a call to pow.
    const force = -1 * (pull * pull);
    this.height = moveBy(
      this.vec,
      this.height,
      force,
      this.originVec,
      heightMin,
      this.config,
      this.rng,
      this.unit,
    );
  }
}
