/**
 * `pnpm bench:memberlist --scenario pair` in a seconds-long smoke mode: a child process from the
 * sources, 3 Go nodes and 3 Grapevine nodes on 127.0.0.1, two one-second windows; checks the shape
 * of the JSON line and that bad arguments are refused, not the figures (benchmarks are never timed
 * tests).
 */
import { runSource } from "@grapevine/bench";
import { describe, expect, it } from "vitest";
import { goMissing, goRequired } from "../src/index.js";

const run = goMissing() === undefined || goRequired();

function bench(args: string[]) {
  return runSource("tools/memberlist-interop/bin/memberlist-bench.ts", args, 90_000);
}

const summary = {
  median: expect.any(Number),
  min: expect.any(Number),
  max: expect.any(Number),
  values: expect.any(Array),
};

describe.runIf(run)("bench:memberlist pair (smoke)", () => {
  it("measures both clusters over the same windows", async () => {
    const args = ["--scenario", "pair", "--nodes", "3", "--trials", "2", "--window", "1"];
    const r = await bench([...args, "--coordinates", "off"]);
    expect(r.code, r.stderr).toBe(0);
    const row = JSON.parse(r.stdout.trim());
    expect(row).toMatchObject({ scenario: "pair", nodes: 3, trials: 2, windowS: 1 });
    expect(row.coordinates).toBe(false);
    expect(row.cpuS.grapevine).toEqual(summary);
    expect(row.cpuS.memberlist).toEqual(summary);
    expect(row.cpuS.grapevine.values).toHaveLength(2);
    // A 1 s window of 3 idle Go nodes may not be charged one 10 ms clock tick: no ratio then.
    if (row.cpuS.ratio !== undefined) expect(row.cpuS.ratio).toEqual(summary);
    expect(r.stderr).toContain("pair N=3 window 2/2: memberlist");
  }, 90_000);

  it("refuses a bad --coordinates or --scenario with a message naming it", async () => {
    const coordinates = await bench(["--scenario", "pair", "--coordinates", "maybe"]);
    expect(coordinates.code).toBe(2);
    expect(coordinates.stderr).toContain("--coordinates is on or off, got maybe");
    const scenario = await bench(["--scenario", "pairs"]);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toContain("--scenario is fail, idle or pair, got pairs");
  }, 30_000);
});
