import { TOPOLOGIES, type Topology } from "./topology.js";

/** The scenarios the simulator can run. */
export const SCENARIOS = [
  "join",
  "spread",
  "failure",
  "soak",
  "partition",
  "idle",
  "config",
  "stats",
  "query",
] as const;
/** One of {@link SCENARIOS}. */
export type Scenario = (typeof SCENARIOS)[number];
/** Protocol presets. */
export const PRESETS = ["lan", "wan", "local"] as const;
/** One of {@link PRESETS}. */
export type Preset = (typeof PRESETS)[number];

/** What drives the simulated nodes. */
export const RUNTIMES = ["core", "memory"] as const;
/**
 * One of {@link RUNTIMES}: `core` drives node cores directly on the virtual clock (fast, the
 * default); `memory` runs whole clusters (runtime shell, codec, sealing) over the memory transport.
 */
export type Runtime = (typeof RUNTIMES)[number];

/** Everything a simulation run is parameterised by. */
export interface SimOptions {
  readonly scenario: Scenario;
  /** Cluster size. */
  readonly nodes: number;
  /** Seed for every random choice in the run (network and nodes). */
  readonly seed: number;
  readonly preset: Preset;
  /**
   * Loss probability of every packet, 0–1: datagrams are dropped, stream segments retransmitted
   * late as TCP's are (a stream breaks after too many losses in a row).
   */
  readonly loss: number;
  /**
   * Whether `loss` applies to streams too (default true). False is the older model, datagrams
   * only, for comparing a protocol change with figures measured before streams could lose
   * (core runtime only).
   */
  readonly streamLoss?: boolean;
  /** Mean one-way latency, ms (jitter ±50 % of it). */
  readonly latencyMs: number;
  /** Latency model (default `uniform`: `latencyMs` on every link); see {@link Topology}. */
  readonly topology?: Topology;
  /** Virtual seconds to run (soak, partition, idle; an upper bound for the others). */
  readonly durationS: number;
  /** Nodes to crash (failure). */
  readonly kill: number;
  /** Fraction of nodes whose message handling stalls (soak). */
  readonly slow: number;
  readonly lifeguard: boolean;
  readonly runtime: Runtime;
  readonly json: boolean;
  /** Where to write an SVG plot, if anywhere. */
  readonly plot: string | undefined;
  /** Suppress the progress bar. */
  readonly quiet: boolean;
}

/** A bad command line: the message is meant for the user; the CLI exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Default duration per scenario, virtual seconds. */
export const DEFAULT_DURATION_S: Record<Scenario, number> = {
  join: 120,
  spread: 30,
  failure: 120,
  soak: 600,
  partition: 120,
  idle: 60,
  config: 120,
  stats: 120,
  query: 60,
};

/** Loss of a scenario when `--loss` is not given (`config` shows convergence under loss). */
const DEFAULT_LOSS: Partial<Record<Scenario, number>> = { config: 0.1, query: 0.05 };

export const USAGE = `usage: pnpm sim <scenario> [options]

scenarios:
  join        N nodes start and join through 3 seeds → converged_s
  spread      one node sets a key in a converged cluster → p50_s, p99_s, p100_s, rounds_p100
  failure     K nodes crash → first_suspect_s, first_dead_s, all_dead_s
  soak        run under loss / slow nodes, nobody fails → false_suspects, false_deaths, refutations,
              stream_retransmits, streams_timed_out
  partition   split in two for --duration, heal → heal_s
  idle        a converged cluster doing nothing → bytes_per_node_per_s
  config      10 writers set the same cluster-scoped keys at once (10 % loss by default) →
              converge_s, one_winner; a node away longer than the grace → resurrected_nodes
  stats       every node publishes 5 stats each second → own_stats_bytes_per_s_*,
              oldest_age_p50_s / _p99_s (freshness of the aggregates)
  query       one node sends a ping query, default timeout (5 % loss by default) → reached,
              answers_in_time_pct, complete, last_answer_s (core runtime)

options:
  --nodes N           cluster size (default 100; 2–20000)
  --seed S            random seed (default 1)
  --preset P          lan | wan | local (default lan)
  --loss P            packet loss probability 0–1: datagrams dropped, stream segments
                      retransmitted as TCP's after a 200 ms doubling timeout (default 0)
  --stream-loss on|off  off: --loss drops datagrams only, streams never lose (the model before
                      streams could; core runtime only; default on)
  --latency MS        mean one-way latency in ms, ±50 % jitter (default 1)
  --topology T        uniform (--latency on every link, default) | plane (nodes in a 100 ms
                      square) | clusters (5 sites in a 200 ms square): known RTTs, ±5 % jitter
  --duration S        virtual seconds (default depends on the scenario)
  --kill K            nodes to crash in 'failure' (default 1)
  --slow F            fraction of nodes that stall (soak; default 0)
  --lifeguard on|off  Lifeguard refinements (default on)
  --runtime R         core (node cores on the virtual clock, default) | memory (full clusters
                      over the memory transport)
  --json              print one JSON object as the last line
  --plot FILE.svg     write an SVG plot of the run
  --quiet             no progress bar
  -h, --help          this text`;

function num(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
  int: boolean,
): number {
  if (text === undefined || text.startsWith("--")) throw new UsageError(`${flag} needs a value`);
  const n = Number(text);
  if (!Number.isFinite(n) || text.trim() === "") {
    throw new UsageError(`${flag} must be a number, got ${JSON.stringify(text)}`);
  }
  if (int && !Number.isInteger(n))
    throw new UsageError(`${flag} must be a whole number, got ${text}`);
  if (n < min || n > max)
    throw new UsageError(`${flag} must be between ${min} and ${max}, got ${text}`);
  return n;
}

/** Parses the command line after `sim`. Throws {@link UsageError} on anything wrong. */
export function parseOptions(argv: readonly string[]): SimOptions | "help" {
  if (argv.includes("-h") || argv.includes("--help")) return "help";
  const [scenarioText, ...rest] = argv;
  if (scenarioText === undefined || scenarioText.startsWith("-")) {
    throw new UsageError(`missing scenario (one of ${SCENARIOS.join(", ")})`);
  }
  if (!(SCENARIOS as readonly string[]).includes(scenarioText)) {
    throw new UsageError(
      `unknown scenario ${JSON.stringify(scenarioText)} (one of ${SCENARIOS.join(", ")})`,
    );
  }
  const scenario = scenarioText as Scenario;
  let nodes = 100;
  let seed = 1;
  let preset: Preset = "lan";
  let loss: number | undefined;
  let latencyMs = 1;
  let topology: Topology = "uniform";
  let durationS: number | undefined;
  let kill = 1;
  let slow = 0;
  let lifeguard = true;
  let streamLoss = true;
  let runtime: Runtime = "core";
  let json = false;
  let plot: string | undefined;
  let quiet = false;
  for (let i = 0; i < rest.length; i++) {
    const raw = rest[i]!;
    const eq = raw.indexOf("=");
    const flag = raw.startsWith("--") && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith("--") && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string | undefined => (inline !== undefined ? inline : rest[++i]);
    switch (flag) {
      case "--nodes":
        nodes = num(flag, value(), 2, 20_000, true);
        break;
      case "--seed":
        seed = num(flag, value(), 0, 2 ** 32 - 1, true);
        break;
      case "--preset": {
        const v = value();
        if (!v || !(PRESETS as readonly string[]).includes(v)) {
          throw new UsageError(
            `--preset must be one of ${PRESETS.join(", ")}, got ${JSON.stringify(v)}`,
          );
        }
        preset = v as Preset;
        break;
      }
      case "--loss":
        loss = num(flag, value(), 0, 1, false);
        break;
      case "--latency":
        latencyMs = num(flag, value(), 0, 10_000, false);
        break;
      case "--topology": {
        const v = value();
        if (!v || !(TOPOLOGIES as readonly string[]).includes(v)) {
          throw new UsageError(
            `--topology must be one of ${TOPOLOGIES.join(", ")}, got ${JSON.stringify(v)}`,
          );
        }
        topology = v as Topology;
        break;
      }
      case "--duration":
        durationS = num(flag, value(), 1, 86_400, false);
        break;
      case "--kill":
        kill = num(flag, value(), 0, 20_000, true);
        break;
      case "--slow":
        slow = num(flag, value(), 0, 1, false);
        break;
      case "--stream-loss": {
        const v = value();
        if (v !== "on" && v !== "off") {
          throw new UsageError(`--stream-loss must be on or off, got ${JSON.stringify(v)}`);
        }
        streamLoss = v === "on";
        break;
      }
      case "--lifeguard": {
        const v = value();
        if (v !== "on" && v !== "off") {
          throw new UsageError(`--lifeguard must be on or off, got ${JSON.stringify(v)}`);
        }
        lifeguard = v === "on";
        break;
      }
      case "--runtime": {
        const v = value();
        if (!v || !(RUNTIMES as readonly string[]).includes(v)) {
          throw new UsageError(
            `--runtime must be one of ${RUNTIMES.join(", ")}, got ${JSON.stringify(v)}`,
          );
        }
        runtime = v as Runtime;
        break;
      }
      case "--json":
        json = true;
        break;
      case "--quiet":
        quiet = true;
        break;
      case "--plot": {
        const v = value();
        if (!v || v.startsWith("--")) throw new UsageError("--plot needs a file name");
        plot = v;
        break;
      }
      default:
        throw new UsageError(`unknown option ${JSON.stringify(raw)}`);
    }
  }
  if (!streamLoss && runtime !== "core") {
    throw new UsageError(
      "--stream-loss off needs --runtime core (the memory network's streams always lose)",
    );
  }
  if (kill >= nodes)
    throw new UsageError(`--kill must be less than --nodes (${nodes}), got ${kill}`);
  return {
    scenario,
    nodes,
    seed,
    preset,
    loss: loss ?? DEFAULT_LOSS[scenario] ?? 0,
    ...(streamLoss ? {} : { streamLoss: false }),
    latencyMs,
    topology,
    durationS: durationS ?? DEFAULT_DURATION_S[scenario],
    kill,
    slow,
    lifeguard,
    runtime,
    json,
    plot,
    quiet,
  };
}
