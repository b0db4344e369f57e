import type { NodeCore } from "@grapevine/node";
import { estimateRtt } from "@grapevine/node";
import { describe, expect, it } from "vitest";
import { CoreWorld } from "../src/core-world.js";
import { parseOptions, type SimOptions } from "../src/options.js";

interface Errors {
  /** Over every pair, from both members' own coordinates. */
  readonly all: number;
  /** Over the pairs a member holds the other's coordinate for, from what it holds. */
  readonly held: number;
  readonly heldPairs: number;
}

function median(xs: number[]): number {
  const sorted = xs.slice().sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}

/** Median relative error of estimated vs true RTT after `seconds` of virtual time. */
async function coordinateError(topology: string, seconds: number): Promise<Errors> {
  const options = parseOptions([
    "idle",
    "--nodes",
    "200",
    "--seed",
    "7",
    "--topology",
    topology,
  ]) as SimOptions;
  const world = new CoreWorld(options);
  await world.create();
  world.converge();
  await world.clock.runFor(seconds * 1000);
  const matrix = world.latencyMatrix!;
  const cores = world.nodes.map((n) => (n.cluster as unknown as { core: NodeCore }).core);
  const all: number[] = [];
  const held: number[] = [];
  for (const a of cores) {
    for (const b of cores) {
      if (a === b) continue;
      const truth = matrix.rttMs(a.name, b.name);
      const estimate = estimateRtt(a.coordinates.of(a.name)!, b.coordinates.of(b.name)!) * 1000;
      all.push(Math.abs(estimate - truth) / truth);
      const fromHeld = a.coordinates.rtt(b.name);
      if (fromHeld !== undefined) held.push(Math.abs(fromHeld - truth) / truth);
    }
  }
  return { all: median(all), held: median(held), heldPairs: held.length };
}

describe("network coordinates at scale (virtual clock)", () => {
  for (const topology of ["plane", "clusters"]) {
    it(`N=200, ${topology}: median relative RTT error < 20 % after 60 virtual seconds`, async () => {
      const e = await coordinateError(topology, 60);
      console.log(
        `coordinates N=200 ${topology} 60 s: median relative error ${(e.all * 100).toFixed(1)} % over all pairs, ${(e.held * 100).toFixed(1)} % over the ${e.heldPairs} pairs held`,
      );
      expect(e.all).toBeLessThan(0.2);
    });
  }
});
