/**
 * The `grapevine-sim` command as users run it: a child process from the sources, its exit codes,
 * its `--json` line, and `report` (each case in a child of its own).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { heapNeededMib, largestNodes, missingHeapFlags, runtimeOf } from "../src/heap.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = ["--import", "tsx", "--conditions=@grapevine/source", "apps/sim/src/cli.ts"];
const dirs: string[] = [];

function sim(
  args: string[],
  timeout = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI, ...args],
      { cwd: REPO_ROOT, timeout, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("grapevine-sim", () => {
  it("prints one JSON object as the last line with --json", async () => {
    const r = await sim(["spread", "--nodes", "30", "--json"]);
    expect(r.code).toBe(0);
    const row = JSON.parse(r.stdout.trimEnd().split("\n").pop()!);
    expect(row).toMatchObject({ scenario: "spread", nodes: 30, seed: 1 });
    expect(row.p100_s).toBeGreaterThan(0);
    expect(row.run_hash).toMatch(/^[0-9a-f]{16}$/);
  }, 60_000);

  it("exits 2 with one line on a bad option", async () => {
    const r = await sim(["spread", "--nodes", "ten"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--nodes/);
    expect(r.stdout).toBe("");
  }, 60_000);

  it("report: runs the matrix case by case and writes the table and plots", async () => {
    const out = mkdtempSync(join(tmpdir(), "sim-report-"));
    dirs.push(out);
    // About 30 s of CPU (nine cases and twenty seeds, each in a child of its own); the bound
    // leaves room for a machine shared with other work.
    const r = await sim(["report", "--nodes", "10", "--out", out], 240_000);
    expect(r.code, r.stderr).toBe(0);
    const md = readFileSync(join(out, "simulation.md"), "utf8");
    const rows = md.split("\n").filter((l) => /^\| (spread|failure|idle|soak|partition) /.test(l));
    // spread + failure at two loss rates, idle, three soaks, partition.
    expect(rows).toHaveLength(9);
    for (const row of rows) expect(row).toMatch(/\| [0-9a-f]{16} \|$/);
    expect(readdirSync(join(out, "sim")).sort()).toContain("spread-n10-loss0.svg");
    expect(md).toContain("## One victim, 20 seeds (N = 10)");
    expect(md).toMatch(/\*\*\d+\.\d{3} s\*\*\s+against 1\.682 s/);
    expect(md.split("\n").filter((l) => /^\| \d+ \| /.test(l))).toHaveLength(20);
  }, 250_000);

  it("sizes the heap for the run: Node's default for cores up to 20,000, ~10 GB for 10,000 clusters", () => {
    expect(heapNeededMib(10_000)).toBeGreaterThan(1_400);
    expect(heapNeededMib(10_000)).toBeLessThan(2_000);
    expect(heapNeededMib(20_000)).toBeLessThan(4_096);
    expect(heapNeededMib(10_000, "memory")).toBeGreaterThan(9_000);
    expect(heapNeededMib(10_000, "memory")).toBeLessThan(12_000);
    expect(heapNeededMib(1_000, "memory")).toBeLessThan(4_096);
    expect(runtimeOf(["idle", "--runtime", "memory"])).toBe("memory");
    expect(runtimeOf(["idle", "--runtime=memory"])).toBe("memory");
    expect(runtimeOf(["idle"])).toBe("core");
    expect(largestNodes(["spread", "--nodes", "10000"])).toBe(10_000);
    expect(largestNodes(["spread", "--nodes=5000", "--json"])).toBe(5_000);
    expect(largestNodes(["report", "--nodes", "100,10000,1000"])).toBe(10_000);
    expect(largestNodes(["spread", "--nodes", "lots"])).toBe(0);
    expect(largestNodes(["idle"])).toBe(0);
  });

  it("reruns large runs with the flags they lack: old space when too small, a large young generation", () => {
    const big = ["idle", "--nodes", "10000"];
    expect(missingHeapFlags(big, [], 4_144, 24_000)).toEqual(["--max-semi-space-size=256"]);
    expect(missingHeapFlags(big, ["--max-semi-space-size=64"], 4_144, 24_000)).toEqual([]);
    expect(missingHeapFlags([...big, "--runtime", "memory"], [], 4_144, 24_000)).toEqual([
      `--max-old-space-size=${heapNeededMib(10_000, "memory")}`,
      "--max-semi-space-size=256",
    ]);
    // Never more than 80 % of the machine.
    expect(missingHeapFlags([...big, "--runtime", "memory"], [], 2_000, 8_000)[0]).toBe(
      "--max-old-space-size=6400",
    );
    expect(missingHeapFlags(["idle", "--nodes", "200"], [], 4_144, 24_000)).toEqual([]);
    expect(missingHeapFlags(["idle"], [], 100, 24_000)).toEqual([]);
  });
});
