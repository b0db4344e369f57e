import type { ProbeRttHistogram } from "@grapevine/cluster";
import type { Histogram, Registry } from "prom-client";

/** Name of the probe round-trip histogram in `/metrics`. */
export const PROBE_RTT_METRIC = "grapevine_probe_rtt_seconds";

/**
 * `grapevine_probe_rtt_seconds`: the round-trip times of this node's direct probes (ping to ack)
 * as a Prometheus histogram. The cluster keeps the histogram (its core counts each sample as
 * plain data); this collector only turns it into buckets, cumulative as Prometheus wants, on each
 * scrape.
 */
export function registerProbeRttHistogram(registry: Registry, read: () => ProbeRttHistogram): void {
  const help =
    "Round-trip time of this node's direct failure-detector probes, ping to ack (SWIM §4), seconds.";
  const collect = () => {
    const h = read();
    const values: Array<{ metricName: string; labels: Record<string, string>; value: number }> = [];
    let cumulative = 0;
    for (const [i, boundMs] of h.boundsMs.entries()) {
      cumulative += h.counts[i] ?? 0;
      values.push({
        metricName: `${PROBE_RTT_METRIC}_bucket`,
        labels: { le: String(boundMs / 1000) },
        value: cumulative,
      });
    }
    values.push(
      { metricName: `${PROBE_RTT_METRIC}_bucket`, labels: { le: "+Inf" }, value: h.count },
      { metricName: `${PROBE_RTT_METRIC}_sum`, labels: {}, value: h.sumMs / 1000 },
      { metricName: `${PROBE_RTT_METRIC}_count`, labels: {}, value: h.count },
    );
    return { name: PROBE_RTT_METRIC, help, type: "histogram", aggregator: "sum", values };
  };
  // prom-client's registry takes any metric object with a name and `get()`; its own Histogram
  // can only observe samples one by one, not show totals kept elsewhere.
  const metric = {
    name: PROBE_RTT_METRIC,
    help,
    type: "histogram",
    aggregator: "sum",
    get: async () => collect(),
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Histogram);
}
