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

/** Nodes from which a run gets the large young generation (see {@link SEMI_SPACE_MIB}). */
export const LARGE_RUN_NODES = 2_000;

/**
 * Young-generation semi-space for large runs, MiB (V8's default is 16). The protocol's objects
 * (a probe in flight, its timers, a packet being delivered) live about one virtual second, which
 * at 10,000 nodes is a second of wall time: with the default semi-space they outlive two
 * scavenges, are copied twice and promoted, and every scavenge also walks the old objects that
 * point at them. With 256 MiB most die young: `idle --nodes 10000 --duration 15` took 24.5–25.3 s
 * instead of 31.2 s (the same run hash). The space grows to this only under that load.
 */
export const SEMI_SPACE_MIB = 256;

/**
 * The V8 flags a run of `argv` should have and the current process lacks (`execArgv`, heap limit
 * `heapLimitMib`, machine memory `totalMib`): a larger old space when Node's default is too small
 * (at most 80 % of the machine's memory), the large young generation for large runs. Empty when
 * the current process will do.
 */
export function missingHeapFlags(
  argv: readonly string[],
  execArgv: readonly string[],
  heapLimitMib: number,
  totalMib: number,
): string[] {
  const nodes = largestNodes(argv);
  if (nodes === 0) return [];
  const flags: string[] = [];
  const want = Math.min(heapNeededMib(nodes, runtimeOf(argv)), Math.floor(0.8 * totalMib));
  if (heapLimitMib < want) flags.push(`--max-old-space-size=${want}`);
  const hasSemiSpace = execArgv.some((a) => a.startsWith("--max-semi-space-size"));
  if (nodes >= LARGE_RUN_NODES && !hasSemiSpace) {
    flags.push(`--max-semi-space-size=${SEMI_SPACE_MIB}`);
  }
  return flags;
}

/**
 * When the current process lacks flags a run needs (see {@link missingHeapFlags}): rerun this
 * command in a child with them. Returns its exit code, or undefined when the current process
 * will do (or is such a child already).
 */
export function rerunWithLargerHeap(argv: readonly string[]): number | undefined {
  if (process.env.GRAPEVINE_SIM_FLAGS !== undefined) return undefined;
  const flags = missingHeapFlags(
    argv,
    process.execArgv,
    getHeapStatistics().heap_size_limit / MiB,
    totalmem() / MiB,
  );
  if (flags.length === 0) return undefined;
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, ...flags, process.argv[1]!, ...argv],
    {
      stdio: "inherit",
      env: { ...process.env, GRAPEVINE_SIM_FLAGS: flags.join(" ") },
    },
  );
  if (child.error) throw child.error;
  return child.status ?? 1;
}
