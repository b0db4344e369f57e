import { CoreWorld } from "./core-world.js";
import type { SimOptions } from "./options.js";
import type { PlotSpec } from "./plot.js";
import { scenarios } from "./scenarios.js";
import { MemoryWorld } from "./world.js";

/** The outcome of one simulation run: every figure of the scenario plus the common ones. */
export interface SimResult {
  readonly scenario: string;
  readonly nodes: number;
  readonly seed: number;
  readonly preset: string;
  readonly loss: number;
  readonly latency_ms: number;
  readonly lifeguard: boolean;
  readonly runtime: string;
  readonly figures: Record<string, number | null>;
  readonly wall_s: number;
  readonly peak_rss_mb: number;
  readonly bytes_per_node_per_s: number;
  readonly msgs_per_node_per_s: number;
  readonly virtual_s: number;
  readonly events: number;
  readonly run_hash: string;
  readonly plot: PlotSpec | undefined;
}

/** Runs one scenario. `progress` receives the fraction done. */
export async function runSimulation(
  options: SimOptions,
  progress: (fraction: number) => void = () => {},
): Promise<SimResult> {
  const wallStart = performance.now();
  let peakRss = process.memoryUsage.rss();
  const sampleRss = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 250);
  sampleRss.unref();
  const world = options.runtime === "memory" ? new MemoryWorld(options) : new CoreWorld(options);
  try {
    await world.create();
    const result = await scenarios[options.scenario](world, options, (f) => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      progress(f);
    });
    const traffic = world.traffic();
    const windowS = Math.max(0.001, (world.clock.now() - result.trafficWindow.startMs) / 1000);
    const live = world.nodes.length;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return {
      scenario: options.scenario,
      nodes: options.nodes,
      seed: options.seed,
      preset: options.preset,
      loss: options.loss,
      latency_ms: options.latencyMs,
      lifeguard: options.lifeguard,
      runtime: options.runtime,
      figures: result.figures,
      wall_s: Math.round((performance.now() - wallStart) / 100) / 10,
      peak_rss_mb: Math.round(peakRss / (1024 * 1024)),
      bytes_per_node_per_s: Math.round(
        (traffic.bytes - result.trafficWindow.bytes) / live / windowS,
      ),
      msgs_per_node_per_s:
        Math.round(((traffic.messages - result.trafficWindow.messages) / live / windowS) * 100) /
        100,
      virtual_s: Math.round(world.clock.now()) / 1000,
      events: world.eventCount,
      run_hash: world.runHash(),
      plot: result.plot,
    };
  } finally {
    clearInterval(sampleRss);
    await world.shutdown();
  }
}

/** The JSON object printed by `--json`: the figures flattened next to the common fields. */
export function toJson(r: SimResult): Record<string, unknown> {
  const { figures, plot: _plot, ...rest } = r;
  return { ...rest, ...figures };
}

/** A readable summary. */
export function toText(r: SimResult): string {
  const lines = [
    `scenario ${r.scenario}: ${r.nodes} nodes, seed ${r.seed}, preset ${r.preset}, loss ${r.loss}, latency ${r.latency_ms} ms, lifeguard ${r.lifeguard ? "on" : "off"}`,
  ];
  for (const [k, v] of Object.entries(r.figures))
    lines.push(`  ${k.padEnd(26)} ${v ?? "not reached"}`);
  lines.push(
    `  ${"bytes_per_node_per_s".padEnd(26)} ${r.bytes_per_node_per_s}`,
    `  ${"msgs_per_node_per_s".padEnd(26)} ${r.msgs_per_node_per_s}`,
    `  ${"virtual_s".padEnd(26)} ${r.virtual_s}`,
    `  ${"wall_s".padEnd(26)} ${r.wall_s}`,
    `  ${"peak_rss_mb".padEnd(26)} ${r.peak_rss_mb}`,
    `  ${"events".padEnd(26)} ${r.events}`,
    `  ${"run_hash".padEnd(26)} ${r.run_hash}`,
  );
  return lines.join("\n");
}
