import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./options.js";

/** One row of the report matrix. */
interface Case {
  readonly argv: string;
  readonly plot?: string;
}

const USAGE = `usage: pnpm sim report [--nodes 100,1000] [--out docs] [--seed S]

Runs the scenario matrix (spread, failure and idle for each N, at 0 % and 10 % loss; soak with
slow nodes, Lifeguard on and off; one-victim failures over twenty seeds) and writes
docs/simulation.md plus SVG plots. Each case runs in a child process.`;

function matrix(sizes: readonly number[], seed: number): Case[] {
  const cases: Case[] = [];
  for (const n of sizes) {
    for (const loss of [0, 0.1]) {
      const tag = `n${n}-loss${loss}`;
      cases.push({
        argv: `spread --nodes ${n} --loss ${loss} --seed ${seed}`,
        plot: `spread-${tag}.svg`,
      });
      cases.push({
        argv: `failure --nodes ${n} --loss ${loss} --kill 1 --seed ${seed}`,
        plot: `failure-${tag}.svg`,
      });
      if (n >= 1000) {
        // Ten victims at once: a mean over ten first detections, not one sample.
        cases.push({ argv: `failure --nodes ${n} --loss ${loss} --kill 10 --seed ${seed}` });
      }
    }
    cases.push({ argv: `idle --nodes ${n} --duration 60 --seed ${seed}` });
  }
  const soakN = mediumSize(sizes);
  for (const lg of ["on", "off"]) {
    cases.push({
      argv: `soak --nodes ${soakN} --slow 0.05 --duration 600 --lifeguard ${lg} --seed ${seed}`,
      plot: `soak-slow-lifeguard-${lg}.svg`,
    });
  }
  cases.push({ argv: `soak --nodes ${soakN} --loss 0.1 --duration 600 --seed ${seed}` });
  cases.push({
    argv: `partition --nodes ${soakN} --duration 120 --seed ${seed}`,
    plot: "partition.svg",
  });
  return cases;
}

/** The size soaks, partitions and the seed sweep run at: the largest up to 1,000. */
function mediumSize(sizes: readonly number[]): number {
  return Math.max(...sizes.filter((n) => n <= 1000));
}

/** Seeds of the one-victim sweep: one crash gives one sample of the first detection time. */
const SWEEP_SEEDS = 20;

function sweepCases(n: number, seed: number): Case[] {
  return Array.from({ length: SWEEP_SEEDS }, (_, i) => ({
    argv: `failure --nodes ${n} --loss 0 --kill 1 --seed ${seed + i}`,
  }));
}

/** The sweep's section of the report: each seed's detection, and the mean against SWIM's. */
function sweepSection(n: number, rows: readonly Row[]): string[] {
  const first = rows.map((r) => Number(r.first_suspect_s));
  const mean = first.reduce((a, b) => a + b, 0) / first.length;
  const expected = Number(rows[0]?.expected_first_suspect_s);
  const off = ((mean - expected) / expected) * 100;
  return [
    `## One victim, ${rows.length} seeds (N = ${n})`,
    "",
    "One crash is one sample of the first detection time, so the mean over seeds is what compares",
    `with SWIM's expectation (e/(e−1) probe periods plus the minimum probe timeout): **${mean.toFixed(3)} s**`,
    `against ${expected.toFixed(3)} s (${off >= 0 ? "+" : "−"}${Math.abs(off).toFixed(1)} %).`,
    "",
    "| seed | first_suspect_s | all_dead_s | worst_dead_after_suspect_s | run_hash |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.seed} | ${r.first_suspect_s} | ${r.all_dead_s} | ${r.worst_dead_after_suspect_s} | ${r.run_hash} |`,
    ),
    "",
  ];
}

const COLUMNS = [
  "scenario",
  "nodes",
  "loss",
  "lifeguard",
  "p50_s",
  "p99_s",
  "p100_s",
  "rounds_p100",
  "mean_first_suspect_s",
  "expected_first_suspect_s",
  "first_dead_s",
  "all_dead_s",
  "worst_dead_after_suspect_s",
  "false_suspects",
  "suspects_of_slow",
  "false_deaths",
  "refutations",
  "heal_s",
  "bytes_per_node_per_s",
  "msgs_per_node_per_s",
  "wall_s",
  "peak_rss_mb",
  "run_hash",
] as const;

/** One run's `--json` line: every figure, flat. */
type Row = Record<string, unknown>;

function cell(r: Row, column: (typeof COLUMNS)[number]): string {
  const v = r[column];
  if (v === undefined) return "";
  if (v === null) return "–";
  if (typeof v === "boolean") return v ? "on" : "off";
  return String(v);
}

/**
 * Runs one case in a child process of this command (so that `peak_rss_mb` is the case's own and
 * one large run leaves nothing behind for the next), writing its plot; returns its figures.
 */
function runCase(c: Case, plots: string): Row {
  const args = [...c.argv.split(" "), "--json", "--quiet"];
  if (c.plot) args.push("--plot", join(plots, c.plot));
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error) throw child.error;
  const last = child.stdout.trimEnd().split("\n").pop() ?? "";
  if (child.status !== 0 || !last.startsWith("{")) {
    throw new Error(`sim ${c.argv} failed (exit ${child.status})`);
  }
  return JSON.parse(last) as Row;
}

/** `pnpm sim report`: runs the matrix, writes a Markdown table and SVG plots. Returns the exit code. */
export function runReport(argv: string[]): number {
  let sizes = [100, 1000];
  let out = "docs";
  let seed = 1;
  try {
    for (let i = 0; i < argv.length; i++) {
      const flag = argv[i];
      const value = argv[i + 1];
      if (flag === "--help" || flag === "-h") {
        process.stdout.write(`${USAGE}\n`);
        return 0;
      }
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      i += 1;
      if (flag === "--nodes") {
        sizes = value.split(",").map((x) => {
          const n = Number(x);
          if (!Number.isInteger(n) || n < 10 || n > 20_000) {
            throw new UsageError(`--nodes takes sizes between 10 and 20000, got ${x}`);
          }
          return n;
        });
      } else if (flag === "--out") out = value;
      else if (flag === "--seed") {
        seed = Number(value);
        if (!Number.isInteger(seed) || seed < 0)
          throw new UsageError(`--seed must be a whole number`);
      } else throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sim report: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const plots = join(out, "sim");
  mkdirSync(plots, { recursive: true });
  const runAll = (cases: readonly Case[]): Row[] =>
    cases.map((c) => {
      process.stderr.write(`sim report: ${c.argv} ... `);
      const r = runCase(c, plots);
      process.stderr.write(`${r.wall_s} s\n`);
      return r;
    });
  const results = runAll(matrix(sizes, seed));
  const sweepN = mediumSize(sizes);
  const sweep = runAll(sweepCases(sweepN, seed));
  const lines = [
    "# Simulation report",
    "",
    `Generated by \`pnpm sim report --nodes ${sizes.join(",")} --seed ${seed}\` (LAN preset, 1 ms mean`,
    "one-way latency with ±50 % jitter). Times are virtual seconds; `wall_s` is what the run took on",
    "this machine. `–` means the scenario's end condition was not reached within its duration.",
    "",
    `| ${COLUMNS.join(" | ")} |`,
    `| ${COLUMNS.map(() => "---").join(" | ")} |`,
    ...results.map((r) => `| ${COLUMNS.map((c) => cell(r, c)).join(" | ")} |`),
    "",
    ...sweepSection(sweepN, sweep),
    "Plots:",
    "",
    ...matrix(sizes, seed)
      .filter((c) => c.plot)
      .map((c) => `- [${c.argv}](sim/${c.plot})`),
    "",
  ];
  writeFileSync(join(out, "simulation.md"), lines.join("\n"));
  process.stdout.write(`wrote ${join(out, "simulation.md")} and ${plots}/*.svg\n`);
  return 0;
}
