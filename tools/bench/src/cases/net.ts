/**
 * `pnpm bench net --scenario join|fail|update|idle|loss|floor|steps|all --nodes N[,N…] [--trials K]
 * [--duration S] [--loss P] [--json]`: N Grapevine nodes on real UDP + TCP transports on loopback,
 * all in this process, LAN preset, compared with memberlist's figures (`../net/reference.ts`).
 *
 * - `join`: fresh cluster, every node joins through one seed at once → all see all (s).
 * - `fail`: fresh converged cluster, one node shut down hard → first suspect, first dead, every
 *   node lists it dead (s from the kill).
 * - `update`: one node sets a key → every other node holds it (s).
 * - `idle`: CPU s, UDP packets, UDP bytes (28 B of IP/UDP header each), TCP bytes, per node per
 *   second over one whole push-pull period after convergence (`--duration` shortens it).
 * - `loss`: datagrams dropped at `--loss` (default 0.1) for `--duration` (default 120 s) →
 *   suspicions and deaths, all false (nobody fails).
 * - `floor`: the idle scenario's traffic (a ping and its ack per node per probe interval) on bare
 *   `node:dgram` sockets, no protocol: what Node.js itself costs for it (`../net/floor.ts`).
 * - `steps`: the idle scenario with every member's runtime steps timed (`../net/steps.ts`): steps
 *   per node per second, the mean µs of a timer's step and of any other step, and the share of
 *   the process's CPU time spent inside steps.
 *
 * Progress goes to stderr. Stdout: one JSON line per scenario and size with `--json` (the
 * comparison table then goes to stderr), else the comparison table. Medians with min–max.
 */

import { swimConfig } from "@grapevine/swim";
import { floorTrials } from "../net/floor.js";
import {
  bestOf,
  GOALS,
  MEMBERLIST_ALL_DEAD_S,
  MEMBERLIST_FIRST_SUSPECT_MAX_S,
  MEMBERLIST_FIRST_SUSPECT_MEASURED,
  MEMBERLIST_FIRST_SUSPECT_S,
  MEMBERLIST_IDLE_CPU_N100_MEASURED,
  MEMBERLIST_IDLE_N100,
  MEMBERLIST_UPDATE_S,
} from "../net/reference.js";
import {
  failTrial,
  type IdleFigures,
  idleTrials,
  idleWindowMs,
  joinTrial,
  lossTrial,
  updateTrials,
} from "../net/scenarios.js";
import { stepTrials } from "../net/steps.js";
import { type Summary, summarize } from "../summary.js";

const SCENARIOS = ["join", "fail", "update", "idle", "loss", "floor", "steps"] as const;
type Scenario = (typeof SCENARIOS)[number];

const DEFAULT_NODES: Record<Scenario, number[]> = {
  join: [200],
  fail: [50, 100, 200],
  update: [50, 100, 200],
  idle: [100],
  loss: [100],
  floor: [100],
  steps: [100],
};
const DEFAULT_TRIALS: Record<Scenario, number> = {
  join: 5,
  fail: 5,
  update: 5,
  idle: 3,
  loss: 1,
  floor: 3,
  steps: 3,
};
/** Untimed clusters the join scenario joins before its trials (the code compiles meanwhile). */
const WARMUP_JOINS = 3;
/** Figures of the idle and floor scenarios, per node per second. */
const IDLE_FIGURES = ["cpuS", "udpPackets", "udpBytes", "tcpBytes", "bytes", "windowS"] as const;
/**
 * The floor's payloads: about an idle Grapevine ping and ack (2 packets and 157 B per node per
 * second on the wire, 28 B of it headers per packet).
 */
const FLOOR_PAYLOAD_BYTES = 50;

/** A goal of issue 16 checked against this run. */
export interface GoalCheck {
  figure: string;
  value: number;
  limit: number;
  met: boolean;
}

/** One JSON line: a scenario at one cluster size. */
export interface NetRow {
  suite: "net";
  scenario: Scenario;
  nodes: number;
  trials: number;
  figures: Record<string, Summary>;
  memberlist: Record<string, number>;
  goals: GoalCheck[];
  /** An untimed first trial's figures, when the scenario runs one (join: compiling the code). */
  warmup?: Record<string, number>;
}

interface Options {
  scenarios: Scenario[];
  nodes: number[] | undefined;
  trials: number | undefined;
  durationS: number | undefined;
  loss: number;
  json: boolean;
}

function parse(args: string[]): Options {
  const options: Options = {
    scenarios: [...SCENARIOS],
    nodes: undefined,
    trials: undefined,
    durationS: undefined,
    loss: 0.1,
    json: false,
  };
  const numbers = (flag: string, text: string | undefined) => {
    const list = (text ?? "").split(",").map(Number);
    if (list.length === 0 || list.some((v) => !Number.isFinite(v) || v <= 0)) {
      throw new Error(`bench net: ${flag} needs positive numbers, got ${JSON.stringify(text)}`);
    }
    return list;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === "--json") options.json = true;
    else if (flag === "--scenario") {
      const value = args[++i] ?? "";
      const list = value === "all" ? [...SCENARIOS] : value.split(",");
      for (const s of list) {
        if (!(SCENARIOS as readonly string[]).includes(s)) {
          throw new Error(
            `bench net: unknown scenario ${JSON.stringify(s)} (${SCENARIOS.join("|")}|all)`,
          );
        }
      }
      options.scenarios = list as Scenario[];
    } else if (flag === "--nodes") options.nodes = numbers(flag, args[++i]).map(Math.floor);
    else if (flag === "--trials") options.trials = Math.floor(numbers(flag, args[++i])[0]!);
    else if (flag === "--duration") options.durationS = numbers(flag, args[++i])[0]!;
    else if (flag === "--loss") options.loss = Number(args[++i]);
    else throw new Error(`bench net: unknown option ${flag}`);
  }
  if (!(options.loss >= 0 && options.loss < 1))
    throw new Error("bench net: --loss must be in [0, 1)");
  return options;
}

function progress(text: string): void {
  process.stderr.write(`bench net: ${text}\n`);
}

function goal(figure: string, value: number, limit: number | undefined): GoalCheck[] {
  if (limit === undefined) return [];
  const rounded = Number(limit.toPrecision(4));
  return [{ figure, value, limit: rounded, met: value <= rounded }];
}

/** A goal against memberlist measured here (reference.ts), named by that measurement. */
function measuredGoal(
  figure: string,
  value: number,
  limit: number,
  measured: { readonly date: string; readonly trials: number },
  runs = "trials",
): GoalCheck[] {
  const name = `${figure} (memberlist measured ${measured.date}, ${measured.trials} ${runs})`;
  return goal(name, value, limit);
}

/** The window of the idle and floor scenarios: `--duration`, else one push-pull period. */
function idleWindow(options: Options, n: number): number {
  return options.durationS !== undefined ? options.durationS * 1000 : idleWindowMs(n);
}

/** Each figure of the idle and floor scenarios' windows, summarized into `row`. */
function idleSummaries(row: NetRow, results: readonly IdleFigures[]): void {
  for (const key of IDLE_FIGURES) row.figures[key] = summarize(results.map((r) => r[key]));
}

async function runScenario(scenario: Scenario, n: number, options: Options): Promise<NetRow> {
  const trials = options.trials ?? DEFAULT_TRIALS[scenario];
  const row: NetRow = {
    suite: "net",
    scenario,
    nodes: n,
    trials,
    figures: {},
    memberlist: {},
    goals: [],
  };
  const tag = `${scenario}${n}`;
  const collect = async <T extends Record<string, number>>(trial: (t: number) => Promise<T>) => {
    const results: T[] = [];
    for (let t = 0; t < trials; t++) {
      progress(`${scenario} N=${n} trial ${t + 1}/${trials}`);
      const result = await trial(t);
      progress(`  ${JSON.stringify(result)}`);
      results.push(result);
    }
    for (const key of Object.keys(results[0] ?? {})) {
      row.figures[key] = summarize(results.map((r) => r[key]!));
    }
  };
  switch (scenario) {
    case "join": {
      // The first clusters a fresh process joins also compile the code: at N = 50 the first is a
      // join 5× as long as the rest, and the next few are still slower while V8 optimizes. They
      // run first, apart, so the trials measure the protocol.
      const warm: number[] = [];
      for (let w = 0; w < WARMUP_JOINS; w++) {
        progress(`join N=${n} warm-up ${w + 1}/${WARMUP_JOINS} (not counted)`);
        warm.push(Number((await joinTrial(n, `${tag}w${w}`)).joinS.toPrecision(4)));
      }
      row.warmup = { clusters: WARMUP_JOINS, firstJoinS: warm[0]!, lastJoinS: warm.at(-1)! };
      progress(`  ${JSON.stringify(row.warmup)}`);
      await collect((t) => joinTrial(n, `${tag}t${t}`));
      const join = row.figures.joinS!;
      if (n === 200) row.goals.push(...goal("joinS median", join.median, GOALS.joinN200S));
      if (trials >= 2) row.goals.push(...goal("joinS max", join.max, GOALS.joinTail * join.median));
      break;
    }
    case "fail": {
      await collect((t) => failTrial(n, `${tag}t${t}`));
      const suspect = bestOf(MEMBERLIST_FIRST_SUSPECT_S, n);
      const suspectMax = MEMBERLIST_FIRST_SUSPECT_MAX_S[n];
      const allDead = bestOf(MEMBERLIST_ALL_DEAD_S, n);
      if (suspect !== undefined) row.memberlist.firstSuspectS = suspect;
      if (suspectMax !== undefined) row.memberlist.firstSuspectMaxS = suspectMax;
      if (allDead !== undefined) row.memberlist.allDeadS = allDead;
      const f = row.figures;
      row.goals.push(
        ...goal(
          "firstSuspectS median",
          f.firstSuspectS!.median,
          suspect && suspect * GOALS.firstSuspectMedian,
        ),
        ...goal(
          "firstSuspectS max",
          f.firstSuspectS!.max,
          suspectMax && suspectMax * GOALS.firstSuspectMax,
        ),
        ...goal("allDeadS median", f.allDeadS!.median, allDead && allDead * GOALS.allDeadMedian),
      );
      // The same goals against memberlist measured here with as many trials (see reference.ts).
      const measured = MEMBERLIST_FIRST_SUSPECT_MEASURED[n];
      if (measured !== undefined) {
        row.memberlist.firstSuspectMeasuredS = measured.median;
        row.memberlist.firstSuspectMeasuredMaxS = measured.max;
        const median = measured.median * GOALS.firstSuspectMedian;
        const max = measured.max * GOALS.firstSuspectMax;
        row.goals.push(
          ...measuredGoal("firstSuspectS median", f.firstSuspectS!.median, median, measured),
          ...measuredGoal("firstSuspectS max", f.firstSuspectS!.max, max, measured),
        );
      }
      break;
    }
    case "update": {
      progress(`update N=${n}: ${trials} updates in one cluster`);
      const values = await updateTrials(n, trials, tag);
      row.figures.allOthersS = summarize(values);
      const reference = MEMBERLIST_UPDATE_S[n];
      if (reference !== undefined) row.memberlist.allOthersS = reference;
      row.goals.push(
        ...goal(
          "allOthersS median",
          row.figures.allOthersS.median,
          reference && reference * GOALS.updateMedian,
        ),
      );
      break;
    }
    case "idle": {
      idleSummaries(row, await idleTrials(n, trials, idleWindow(options, n), tag, progress));
      if (n === 100) {
        const m = MEMBERLIST_IDLE_N100;
        row.memberlist = { cpuS: m.cpuS, udpPackets: m.udpPackets, bytes: m.bytes };
        const f = row.figures;
        row.goals.push(
          ...goal("cpuS median", f.cpuS!.median, m.cpuS * GOALS.idle),
          ...goal("udpPackets median", f.udpPackets!.median, m.udpPackets * GOALS.idle),
          ...goal("bytes median", f.bytes!.median, m.bytes * GOALS.idle),
        );
        const measured = MEMBERLIST_IDLE_CPU_N100_MEASURED;
        row.memberlist.cpuMeasuredS = measured.median;
        const limit = measured.median * GOALS.idle;
        row.goals.push(...measuredGoal("cpuS median", f.cpuS!.median, limit, measured, "windows"));
      }
      break;
    }
    case "loss": {
      const durationMs = (options.durationS ?? 120) * 1000;
      await collect((t) => lossTrial(n, options.loss, durationMs, `${tag}t${t}`));
      row.goals.push(...goal("falseDeaths max", row.figures.falseDeaths!.max, 0));
      break;
    }
    case "floor": {
      const traffic = {
        intervalMs: swimConfig("lan").probeIntervalMs,
        pingBytes: FLOOR_PAYLOAD_BYTES,
        ackBytes: FLOOR_PAYLOAD_BYTES,
      };
      idleSummaries(row, await floorTrials(n, trials, idleWindow(options, n), traffic, progress));
      if (n === 100) row.memberlist.cpuMeasuredS = MEMBERLIST_IDLE_CPU_N100_MEASURED.median;
      break;
    }
    case "steps": {
      // Where the idle CPU goes: the runtime's steps timed (the timing itself costs a little).
      const results = await stepTrials(n, trials, idleWindow(options, n), tag, progress);
      for (const key of Object.keys(results[0] ?? {}) as (keyof (typeof results)[number])[]) {
        row.figures[key] = summarize(results.map((r) => r[key]));
      }
      break;
    }
  }
  return row;
}

function table(rows: readonly NetRow[]): string {
  const lines = [
    "| scenario | N | figure | Grapevine median (min–max, trials) | memberlist | goal | met |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    for (const [figure, s] of Object.entries(row.figures)) {
      const checks = row.goals.filter((g) => g.figure.startsWith(`${figure} `));
      // A figure in seconds may have a same-sitting memberlist measurement beside the reference.
      const measured = figure.endsWith("S")
        ? row.memberlist[figure.replace(/S$/, "MeasuredS")]
        : undefined;
      const reference =
        measured === undefined
          ? row.memberlist[figure]
          : `${row.memberlist[figure] ?? "–"}; measured here ${measured}`;
      lines.push(
        `| ${row.scenario} | ${row.nodes} | ${figure} | ${s.median} (${s.min}–${s.max}, ${row.trials}) | ${
          reference ?? "–"
        } | ${checks.map((g) => `${g.figure.slice(figure.length + 1)} ≤ ${g.limit}`).join(", ") || "–"} | ${
          checks.map((g) => (g.met ? "yes" : "no")).join(", ") || "–"
        } |`,
      );
    }
  }
  for (const row of rows) {
    if (row.warmup === undefined) continue;
    const { clusters, ...rest } = row.warmup;
    const figures = Object.entries(rest).map(([k, v]) => `${k} ${v}`);
    lines.push(
      "",
      `${row.scenario} N=${row.nodes}: ${clusters} warm-up clusters first, not counted (${figures.join(", ")})`,
    );
  }
  return lines.join("\n");
}

export default async function net(args: string[]): Promise<void> {
  const options = parse(args);
  const rows: NetRow[] = [];
  for (const scenario of options.scenarios) {
    for (const n of options.nodes ?? DEFAULT_NODES[scenario]) {
      if (n < 2) throw new Error("bench net: --nodes must be at least 2");
      const row = await runScenario(scenario, n, options);
      rows.push(row);
      if (options.json) console.log(JSON.stringify(row));
    }
  }
  const text = `${table(rows)}\n`;
  if (options.json) process.stderr.write(text);
  else process.stdout.write(text);
}
