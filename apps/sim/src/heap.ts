/** Heap sizing for large runs: Node's default limit (~4 GiB) does not hold 10,000 nodes. */
import { spawnSync } from "node:child_process";
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";

const MiB = 1024 * 1024;

/**
 * Heap a run of `nodes` needs, MiB: every node holds every member (~100 bytes of heap per pair
 * with room for garbage; the member columns themselves live outside the heap), plus a base.
 */
export function heapNeededMib(nodes: number): number {
  return Math.ceil((100 * nodes * nodes + 64_000 * nodes) / MiB) + 1024;
}

/** The largest `--nodes` value in `argv` (a list for `report`), or 0. */
export function largestNodes(argv: readonly string[]): number {
  let value: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === "--nodes") value = argv[i + 1];
    else if (arg.startsWith("--nodes=")) value = arg.slice("--nodes=".length);
  });
  const sizes = (value ?? "").split(",").map(Number);
  return Math.max(0, ...sizes.filter((n) => Number.isInteger(n) && n <= 20_000));
}

/**
 * Node's default heap limit (~4 GiB) is too small for 10,000 nodes: rerun this command in a child
 * with a heap sized for the run (at most 80 % of the machine's memory). Returns its exit code, or
 * undefined when the current heap suffices.
 */
export function rerunWithLargerHeap(argv: readonly string[]): number | undefined {
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
