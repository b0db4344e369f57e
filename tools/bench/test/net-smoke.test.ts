/**
 * `pnpm bench net` in its seconds-long smoke mode: a child process from the sources, tiny clusters
 * on 127.0.0.1, one short trial per scenario that finishes quickly; checks the shape of the JSON
 * lines, not the figures (benchmarks are never timed tests).
 */
import { describe, expect, it } from "vitest";
import { runSource } from "../src/run-source.js";

function bench(args: string[]) {
  return runSource("tools/bench/src/cli.ts", ["net", ...args], 60_000);
}

const summary = {
  median: expect.any(Number),
  min: expect.any(Number),
  max: expect.any(Number),
  values: expect.any(Array),
};

describe("bench net (smoke)", () => {
  it("prints one JSON line per scenario with medians and ranges", async () => {
    const r = await bench([
      "--scenario",
      "join,update,idle,loss,floor,steps",
      "--nodes",
      "3",
      "--trials",
      "1",
      "--duration",
      "1",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows.map((row) => row.scenario)).toEqual([
      "join",
      "update",
      "idle",
      "loss",
      "floor",
      "steps",
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ suite: "net", nodes: 3, trials: 1 });
      expect(Array.isArray(row.goals)).toBe(true);
    }
    expect(rows[0].figures).toEqual({ joinS: summary });
    // Join runs three clusters first, apart from the trials (the process compiles the code then).
    expect(rows[0].warmup).toEqual({
      clusters: 3,
      firstJoinS: expect.any(Number),
      lastJoinS: expect.any(Number),
    });
    expect(r.stderr).toContain("join N=3: 3 warm-up clusters first, not counted");
    expect(rows[1].figures).toEqual({ allOthersS: summary });
    expect(Object.keys(rows[2].figures).sort()).toEqual(
      ["bytes", "cpuS", "tcpBytes", "udpBytes", "udpPackets", "windowS"].sort(),
    );
    expect(rows[2].figures.udpPackets).toEqual(summary);
    expect(rows[3].figures).toEqual({ falseSuspicions: summary, falseDeaths: summary });
    // The floor: the idle traffic on bare sockets, the same figures.
    expect(Object.keys(rows[4].figures).sort()).toEqual(Object.keys(rows[2].figures).sort());
    expect(rows[4].figures.udpPackets.median).toBeGreaterThan(0);
    // Steps: the runtime's steps timed, so some were counted.
    expect(Object.keys(rows[5].figures).sort()).toEqual(
      ["cpuS", "otherStepUs", "stepShare", "stepsPerNodeS", "timerStepUs"].sort(),
    );
    expect(rows[5].figures.stepsPerNodeS.median).toBeGreaterThan(0);
    // The comparison table goes to stderr in --json mode.
    expect(r.stderr).toContain("| scenario | N | figure |");
  }, 60_000);

  it("refuses an unknown scenario with a non-zero exit", async () => {
    const r = await bench(["--scenario", "nope", "--json"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unknown scenario");
  });
});
