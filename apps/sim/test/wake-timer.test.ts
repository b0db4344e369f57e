import { describe, expect, it } from "vitest";
import { CoreWorld } from "../src/core-world.js";
import { parseOptions } from "../src/options.js";
import { scenarios } from "../src/scenarios.js";

const opts = (argv: string) => {
  const o = parseOptions(argv.split(" "));
  if (o === "help") throw new Error("unexpected help");
  return { ...o, quiet: true };
};

/** One run of a scenario on the core runtime: what the run hash and the traffic say of it. */
async function run(argv: string, skipIdleRounds: boolean) {
  const o = opts(argv);
  const world = new CoreWorld(o, { skipIdleRounds });
  await world.create();
  const result = await scenarios[o.scenario](world, o, () => {});
  return {
    hash: world.runHash(),
    traffic: world.traffic(),
    figures: result.figures,
    now: world.clock.now(),
  };
}

describe("wake-up timers of cores that skip idle gossip rounds", () => {
  // Idle and slow nodes give the most skipped rounds and the most timers due at one instant.
  it.each([
    "idle --nodes 60 --duration 20 --seed 3",
    "idle --nodes 40 --duration 20 --seed 5 --latency 0",
    "failure --nodes 80 --kill 2 --loss 0.1 --seed 7",
    "soak --nodes 50 --slow 0.1 --loss 0.1 --duration 40 --seed 3",
    "spread --nodes 60 --seed 9 --preset wan",
  ])("%s: the same run as cores woken for every round", async (argv) => {
    const skipping = await run(argv, true);
    const everyRound = await run(argv, false);
    expect(skipping).toEqual(everyRound);
  });
});
