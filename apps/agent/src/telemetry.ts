import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Cluster } from "@grapevine/cluster";
import { Gauge, type Registry } from "prom-client";

/** How often the agent samples itself, ms. */
export const SELF_SAMPLE_INTERVAL_MS = 10_000;

/**
 * Publishes the agent's own samples every {@link SELF_SAMPLE_INTERVAL_MS}, so `grapevine stats`
 * is useful at once: `event_loop_lag_ms` (mean delay over the interval), `rss_mb`,
 * `probe_rtt_ms` (mean round trip of this node's probes over the interval, when it probed), and
 * `push_pull_ms` (mean duration of this node's push-pull exchanges, a round trip over the stream
 * channel). Returns a function that stops it.
 */
export function startSelfSamples(cluster: Cluster): () => void {
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  let probes = { count: 0, sumMs: 0 };
  const sample = (): void => {
    if (cluster.status !== "running") return;
    const rtt = cluster.counters.probeRtt;
    if (rtt.count > probes.count) {
      cluster.stats.publish(
        "probe_rtt_ms",
        (rtt.sumMs - probes.sumMs) / (rtt.count - probes.count),
      );
    }
    probes = { count: rtt.count, sumMs: rtt.sumMs };
    cluster.stats.publish("event_loop_lag_ms", Number.isFinite(lag.mean) ? lag.mean / 1e6 : 0);
    lag.reset();
    cluster.stats.publish("rss_mb", process.memoryUsage.rss() / (1024 * 1024));
    const c = cluster.counters;
    if (c.pushPulls > 0) cluster.stats.publish("push_pull_ms", c.pushPullMs / c.pushPulls);
  };
  const first = setTimeout(sample, 1_000);
  const timer = setInterval(sample, SELF_SAMPLE_INTERVAL_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
    lag.disable();
  };
}

/** `grapevine_stat{name, aggregate}`: the cluster aggregates of every stat, as gauges. */
export function registerStatGauges(registry: Registry, cluster: Cluster): void {
  new Gauge({
    name: "grapevine_stat",
    help: "Cluster aggregate of a published stat over live members (aggregate: count, min, max, mean, p50, p90, p99, oldest_age_seconds).",
    labelNames: ["name", "aggregate"],
    registers: [registry],
    collect() {
      this.reset();
      for (const name of cluster.stats.names()) {
        const a = cluster.stats.aggregate(name);
        if (a === undefined) continue;
        for (const k of ["count", "min", "max", "mean", "p50", "p90", "p99"] as const) {
          this.set({ name, aggregate: k }, a[k]);
        }
        this.set({ name, aggregate: "oldest_age_seconds" }, a.oldestAgeMs / 1000);
      }
    },
  });
}
