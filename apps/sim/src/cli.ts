#!/usr/bin/env node
/**
 * `pnpm sim <scenario> [options]` / `grapevine-sim`: runs the real cluster code for every node on
 * a virtual clock over the memory network and prints the figures the literature reports.
 */
import { writeFileSync } from "node:fs";
import { rerunWithLargerHeap } from "./heap.js";
import { parseOptions, USAGE, UsageError } from "./options.js";
import { renderSvg } from "./plot.js";
import { ProgressBar } from "./progress.js";
import { runReport } from "./report.js";
import { runSimulation, toJson, toText } from "./run.js";

async function main(argv: string[]): Promise<number> {
  const rerun = rerunWithLargerHeap(argv);
  if (rerun !== undefined) return rerun;
  if (argv[0] === "report") return runReport(argv.slice(1));
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sim: ${err.message}\n(run with --help for usage)\n`);
      return 2;
    }
    throw err;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const showProgress = !options.quiet && process.stderr.isTTY === true;
  const bar = new ProgressBar(`${options.scenario} n=${options.nodes}`, showProgress);
  const result = await runSimulation(options, (f) => bar.update(f));
  bar.done();
  if (options.plot && result.plot) {
    writeFileSync(options.plot, renderSvg(result.plot));
    if (!options.json) process.stdout.write(`plot written to ${options.plot}\n`);
  }
  if (options.json) process.stdout.write(`${JSON.stringify(toJson(result))}\n`);
  else process.stdout.write(`${toText(result)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `sim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
