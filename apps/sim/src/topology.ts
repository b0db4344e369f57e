import { type Rng, seededRng } from "@grapevine/swim";

/** Latency models of the simulated network. */
export const TOPOLOGIES = ["uniform", "plane", "clusters"] as const;
/**
 * One of {@link TOPOLOGIES}: `uniform`, every link the same (`--latency` ± 50 %); `plane`, nodes
 * at random points of a 100 ms square; `clusters`, five sites at random points of a 200 ms square
 * with nodes within a few ms of their site. In both of the latter a node also has a height (its
 * access link, 0.5–2 ms) added to every RTT it is part of.
 */
export type Topology = (typeof TOPOLOGIES)[number];

/** Share of a link's one-way latency that varies per datagram (±). */
const JITTER = 0.05;
const SITES = 5;

interface Place {
  readonly x: number;
  readonly y: number;
  readonly height: number;
}

/**
 * A latency matrix with known RTTs: each node has a place in a plane and a height; the RTT of two
 * nodes is the distance between their places plus both heights (ms), and each datagram takes half
 * of it, ± {@link JITTER}. Places come from the seed alone.
 */
export class LatencyMatrix {
  private readonly places = new Map<string, Place>();

  constructor(topology: Exclude<Topology, "uniform">, names: readonly string[], seed: number) {
    const rng = seededRng(`topology:${topology}:${seed}`);
    const sites = Array.from({ length: SITES }, () => ({
      x: rng.next() * 200,
      y: rng.next() * 200,
    }));
    for (const name of names) {
      const height = 0.5 + rng.next() * 1.5;
      if (topology === "plane") {
        this.places.set(name, { x: rng.next() * 100, y: rng.next() * 100, height });
      } else {
        const site = sites[Math.floor(rng.next() * SITES)]!;
        const r = rng.next() * 5;
        const a = rng.next() * 2 * Math.PI;
        this.places.set(name, { x: site.x + r * Math.cos(a), y: site.y + r * Math.sin(a), height });
      }
    }
  }

  /** The true RTT between nodes `a` and `b` (names), ms. */
  rttMs(a: string, b: string): number {
    const p = this.places.get(a);
    const q = this.places.get(b);
    if (p === undefined || q === undefined) throw new RangeError(`no place for ${a} or ${b}`);
    if (a === b) return 0;
    return Math.hypot(p.x - q.x, p.y - q.y) + p.height + q.height;
  }

  /** One datagram's delay from address `from` to address `to` (`mem://name`), ms. */
  oneWayMs(from: string, to: string, random: Rng): number {
    const base = this.rttMs(nameOf(from), nameOf(to)) / 2;
    return base * (1 + (random.next() * 2 - 1) * JITTER);
  }
}

function nameOf(address: string): string {
  return address.startsWith("mem://") ? address.slice(6) : address;
}
