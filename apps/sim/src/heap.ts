/**
 * Heap sizing for large runs: Node's default limit (~4 GiB) holds 20,000 node cores driven
 * directly, but not 10,000 whole clusters over the memory transport.
 */
import { spawnSync } from "node:child_process";
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import type { Runtime } from "./options.js";

const MiB = 1024 * 1024;

/**
 * Heap a run of `nodes` needs, MiB, plus a base. Every node holds every member. Node cores driven
 * directly share one member registry: an entry is ~21 bytes of typed columns outside the heap, so
 * the heap holds the cores (~15 KB each, ~45 KB with room for garbage) and ~2 bytes per pair.
 * Whole clusters over the memory transport each keep their own records: ~100 bytes of heap per
 * pair with room for garbage, ~64 KB per node.
 */
export function heapNeededMib(nodes: number, runtime: Runtime = "core"): number {
  const bytes =
    runtime === "core" ? 2 * nodes * nodes + 45_000 * nodes : 100 * nodes * nodes + 64_000 * nodes;
  return Math.ceil(bytes / MiB) + 1024;
}

/** The `--runtime` of `argv` (`core` when absent or not understood). */
export function runtimeOf(argv: readonly string[]): Runtime {
  let value: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === "--runtime") value = argv[i + 1];
    else if (arg.startsWith("--runtime=")) value = arg.slice("--runtime=".length);
  });
  return value === "memory" ? "memory" : "core";
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
 * When Node's default heap limit (~4 GiB) is too small for the run: rerun this command in a child
 * with a heap sized for the run (at most 80 % of the machine's memory). Returns its exit code, or
 * undefined when the current heap suffices.
 */
export function rerunWithLargerHeap(argv: readonly string[]): number | undefined {
  const nodes = largestNodes(argv);
  if (nodes === 0 || process.env.GRAPEVINE_SIM_HEAP_MIB !== undefined) return undefined;
  const needed = heapNeededMib(nodes, runtimeOf(argv));
  const want = Math.min(needed, Math.floor((0.8 * totalmem()) / MiB));
  if (getHeapStatistics().heap_size_limit / MiB >= want) return undefined;
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${want}`, process.argv[1]!, ...argv],
    { stdio: "inherit", env: { ...process.env, GRAPEVINE_SIM_HEAP_MIB: String(want) } },
  );
  if (child.error) throw child.error;
  return child.status ?? 1;
}
