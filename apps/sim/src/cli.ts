#!/usr/bin/env node
/**
 * `pnpm sim <scenario> [options]` / `grapevine-sim`: runs the real cluster code for every node on
 * a virtual clock over the memory network and prints the figures the literature reports.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import { parseOptions, USAGE, UsageError } from "./options.js";
import { renderSvg } from "./plot.js";
import { ProgressBar } from "./progress.js";
import { runReport } from "./report.js";
import { runSimulation, toJson, toText } from "./run.js";

const MiB = 1024 * 1024;

/**
 * Heap a run of `nodes` needs, MiB: every node holds every member (~100 bytes of heap per pair
 * with room for garbage; the member columns themselves live outside the heap), plus a base.
 */
export function heapNeededMib(nodes: number): number {
  return Math.ceil((100 * nodes * nodes + 64_000 * nodes) / MiB) + 1024;
}

/** The largest `--nodes` value in `argv` (a list for `report`), or 0. */
function largestNodes(argv: readonly string[]): number {
  const i = argv.indexOf("--nodes");
  const sizes = (argv[i + 1] ?? "").split(",").map(Number);
  return i < 0 ? 0 : Math.max(0, ...sizes.filter((n) => Number.isInteger(n) && n <= 20_000));
}

/**
 * Node's default heap limit (~4 GiB) is too small for 10,000 nodes: rerun this command in a child
 * with a heap sized for the run (at most 80 % of the machine's memory). Returns its exit code, or
 * undefined when the current heap suffices.
 */
function rerunWithLargerHeap(argv: readonly string[]): number | undefined {
  const nodes = largestNodes(argv);
  if (nodes === 0 || process.env.GRAPEVINE_SIM_HEAP_MIB !== undefined) return undefined;
  const want = Math.min(heapNeededMib(nodes), Math.floor((0.8 * totalmem()) / MiB));
  if (getHeapStatistics().heap_size_limit / MiB >= want) return undefined;
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${want}`, process.argv[1]!, ...argv],
    { stdio: "inherit", env: { ...process.env, GRAPEVINE_SIM_HEAP_MIB: String(want) } },
  );
  if (child.error) throw child.error;
  return child.status ?? 1;
}

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
