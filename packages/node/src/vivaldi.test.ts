import { seededRng } from "@grapevine/swim";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyForce,
  DEFAULT_VIVALDI_CONFIG as CONFIG,
  type Coordinate,
  estimateRtt,
  isValidCoordinate,
  originCoordinate,
  rawDistance,
  VivaldiClient,
} from "./vivaldi.js";

const finite = fc.double({ min: -1, max: 1, noNaN: true });
const coordinate = fc.record({
  vec: fc.array(finite, { minLength: 8, maxLength: 8 }),
  error: fc.double({ min: 0, max: 1.5, noNaN: true }),
  adjustment: fc.double({ min: -0.1, max: 0.1, noNaN: true }),
  height: fc.double({ min: 10e-6, max: 0.1, noNaN: true }),
});
/** One RTT sample to one of three peers. */
const sample = fc.record({
  node: fc.constantFrom("b", "c", "d"),
  other: coordinate,
  rtt: fc.double({ min: 0, max: 10, noNaN: true }),
});

describe("vivaldi coordinates", () => {
  it("a fresh coordinate is the origin with the worst error", () => {
    const c = originCoordinate();
    expect(c.vec).toEqual(new Array(8).fill(0));
    expect(c.error).toBe(1.5);
    expect(c.height).toBe(CONFIG.heightMin);
    expect(estimateRtt(c, c)).toBeCloseTo(2 * CONFIG.heightMin, 12);
  });

  it("distance is symmetric, at least both heights, and adjusted only when that stays positive", () => {
    fc.assert(
      fc.property(coordinate, coordinate, (a, b) => {
        expect(rawDistance(a, b)).toBeCloseTo(rawDistance(b, a), 12);
        expect(rawDistance(a, b)).toBeGreaterThanOrEqual(a.height + b.height - 1e-12);
        const rtt = estimateRtt(a, b);
        expect(rtt).toBeGreaterThan(0);
        const adjusted = rawDistance(a, b) + a.adjustment + b.adjustment;
        expect(rtt).toBeCloseTo(adjusted > 0 ? adjusted : rawDistance(a, b), 12);
      }),
    );
  });

  it("a positive force moves a coordinate away from the other by that much, a negative one closer", () => {
    fc.assert(
      fc.property(
        coordinate,
        coordinate,
        fc.double({ min: -0.05, max: 0.05, noNaN: true }),
        (a, b, force) => {
          const plane = (c: Coordinate) => rawDistance(c, b) - c.height - b.height;
          fc.pre(plane(a) > 1e-3 && plane(a) + force > 0);
          const moved = applyForce(a, force, b, CONFIG, seededRng(1));
          expect(plane(moved)).toBeCloseTo(plane(a) + force, 9);
          expect(moved.height).toBeGreaterThanOrEqual(CONFIG.heightMin);
        },
      ),
    );
  });

  it("coincident points separate in a random direction by the force", () => {
    const a = originCoordinate();
    const moved = applyForce(a, 0.01, a, CONFIG, seededRng(7));
    const norm = Math.hypot(...moved.vec);
    expect(norm).toBeCloseTo(0.01, 12);
  });

  it("refuses samples it cannot use and changes nothing", () => {
    const client = new VivaldiClient(seededRng(1));
    const before = client.coordinate;
    expect(client.update("b", { ...originCoordinate(), vec: [0, 0] }, 0.01)).toBe(false);
    expect(client.update("b", { ...originCoordinate(), height: Number.NaN }, 0.01)).toBe(false);
    expect(client.update("b", originCoordinate(), -1)).toBe(false);
    expect(client.update("b", originCoordinate(), 11)).toBe(false);
    expect(client.coordinate).toBe(before);
    expect(client.stats.updates).toBe(0);
  });

  it("any sequence of valid samples leaves a valid coordinate with error in (0, errorMax]", () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), fc.integer(), (samples, seed) => {
        const client = new VivaldiClient(seededRng(seed));
        for (const s of samples) expect(client.update(s.node, s.other, s.rtt)).toBe(true);
        const c = client.coordinate;
        expect(isValidCoordinate(c, CONFIG)).toBe(true);
        expect(c.error).toBeGreaterThan(0);
        expect(c.error).toBeLessThanOrEqual(CONFIG.errorMax);
        expect(c.height).toBeGreaterThanOrEqual(CONFIG.heightMin);
      }),
    );
  });

  it("the in-place client moves exactly as the textbook steps do, sample for sample", () => {
    // The reference: Serf's client written with the pure functions, a new coordinate each step.
    class Reference {
      coord = originCoordinate(CONFIG);
      private readonly samples = new Map<string, number[]>();
      private readonly adjustments = new Array<number>(CONFIG.adjustmentWindow).fill(0);
      private index = 0;
      constructor(private readonly rng: ReturnType<typeof seededRng>) {}
      update(node: string, other: Coordinate, rttSeconds: number): void {
        const window = this.samples.get(node) ?? [];
        this.samples.set(node, window);
        window.push(rttSeconds);
        if (window.length > CONFIG.latencyFilterSize) window.shift();
        const sorted = window.slice().sort((x, y) => x - y);
        const rtt = Math.max(sorted[sorted.length >> 1]!, 1e-6);
        const dist = estimateRtt(this.coord, other);
        const wrongness = Math.abs(dist - rtt) / rtt;
        const weight = this.coord.error / Math.max(this.coord.error + other.error, 1e-6);
        const error = Math.min(
          CONFIG.ce * weight * wrongness + this.coord.error * (1 - CONFIG.ce * weight),
          CONFIG.errorMax,
        );
        const force = CONFIG.cc * weight * (rtt - dist);
        this.coord = applyForce({ ...this.coord, error }, force, other, CONFIG, this.rng);
        this.adjustments[this.index] = sorted[sorted.length >> 1]! - rawDistance(this.coord, other);
        this.index = (this.index + 1) % CONFIG.adjustmentWindow;
        const sum = this.adjustments.reduce((a, b) => a + b, 0);
        this.coord = { ...this.coord, adjustment: sum / (2 * CONFIG.adjustmentWindow) };
        const origin = originCoordinate(CONFIG);
        const gravity = -1 * (estimateRtt(origin, this.coord) / CONFIG.gravityRho) ** 2;
        this.coord = applyForce(this.coord, gravity, origin, CONFIG, this.rng);
        if (!isValidCoordinate(this.coord, CONFIG)) this.coord = originCoordinate(CONFIG);
      }
    }
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), fc.integer(), (samples, seed) => {
        const client = new VivaldiClient(seededRng(seed));
        const reference = new Reference(seededRng(seed));
        for (const s of samples) {
          client.update(s.node, s.other, s.rtt);
          reference.update(s.node, s.other, s.rtt);
          expect(client.coordinate).toEqual(reference.coord);
        }
      }),
    );
  });

  it("the latency filter takes the median of the last three samples: one outlier moves nothing", () => {
    const steady = new VivaldiClient(seededRng(3));
    const spiked = new VivaldiClient(seededRng(3));
    const other = { ...originCoordinate(), vec: [0.02, 0, 0, 0, 0, 0, 0, 0], error: 0.2 };
    for (const rtt of [0.05, 0.05, 0.05, 0.05]) steady.update("b", other, rtt);
    for (const rtt of [0.05, 0.05, 0.05, 2]) spiked.update("b", other, rtt);
    expect(spiked.coordinate).toEqual(steady.coordinate);
  });

  it("two nodes converge on their RTT and their error falls", () => {
    const rng = seededRng(5);
    const a = new VivaldiClient(rng);
    const b = new VivaldiClient(rng);
    for (let i = 0; i < 200; i++) {
      a.update("b", b.coordinate, 0.05);
      b.update("a", a.coordinate, 0.05);
    }
    expect(estimateRtt(a.coordinate, b.coordinate)).toBeCloseTo(0.05, 3);
    expect(a.coordinate.error).toBeLessThan(0.1);
  });

  it("a triangle embeds with every estimate within 10 %", () => {
    const rtt: Record<string, number> = { ab: 0.01, bc: 0.02, ac: 0.025 };
    const names = ["a", "b", "c"];
    const rng = seededRng(9);
    const clients = new Map(names.map((n) => [n, new VivaldiClient(rng)]));
    const pick = seededRng(10);
    for (let i = 0; i < 3000; i++) {
      const x = names[Math.floor(pick.next() * 3)]!;
      const y = names.filter((n) => n !== x)[Math.floor(pick.next() * 2)]!;
      const key = [x, y].sort().join("");
      clients.get(x)!.update(y, clients.get(y)!.coordinate, rtt[key]!);
    }
    for (const [key, truth] of Object.entries(rtt)) {
      const est = estimateRtt(clients.get(key[0]!)!.coordinate, clients.get(key[1]!)!.coordinate);
      expect(Math.abs(est - truth) / truth).toBeLessThan(0.1);
    }
  });
});
