import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api.js";
import { Sparkline } from "./health.js";

/** How often the aggregates are read, ms (they move with samples published every few seconds). */
export const STATS_POLL_MS = 2000;
/** Points kept per chart: two minutes at the poll rate. */
export const STATS_POINTS = 60;

/** One stat's cluster aggregate, as `GET /v1/stats` lists it. */
export interface StatAggregate {
  readonly name: string;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly nodes: readonly string[];
  readonly oldestAgeMs: number;
}

/** The latest aggregates and, per stat, the recent medians and maxima to chart. */
interface StatsView {
  readonly latest: readonly StatAggregate[];
  readonly history: ReadonlyMap<string, { p50: number[]; max: number[] }>;
}

/** Reads `/v1/stats` every {@link STATS_POLL_MS} and keeps each stat's recent history. */
export function useStats(session: number): StatsView {
  const [view, setView] = useState<StatsView>({ latest: [], history: new Map() });
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const { stats } = await getJson<{ stats: StatAggregate[] }>("/v1/stats");
        if (stopped) return;
        setView((old) => {
          const history = new Map<string, { p50: number[]; max: number[] }>();
          for (const s of stats) {
            const h = old.history.get(s.name) ?? { p50: [], max: [] };
            history.set(s.name, {
              p50: [...h.p50.slice(-(STATS_POINTS - 1)), s.p50],
              max: [...h.max.slice(-(STATS_POINTS - 1)), s.max],
            });
          }
          return { latest: stats, history };
        });
      } catch {
        // The overview's poll reports errors and asks for a token; nothing to add here.
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), STATS_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [session]);
  return view;
}

const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);

/**
 * The cluster's telemetry: every published stat aggregated over the live members (what
 * `grapevine stats` prints), with a chart of its median and maximum over the last two minutes.
 */
export function StatsPanel(props: { view: StatsView }) {
  const rows = [...props.view.latest].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section class="panel stats" aria-labelledby="stats-title">
      <header>
        <h2 id="stats-title">Stats</h2>
        <span class="muted">over live members</span>
      </header>
      {rows.length === 0 ? (
        <p class="muted">No member publishes stats yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Stat</th>
              <th class="num">Nodes</th>
              <th class="num">p50</th>
              <th class="num">p90</th>
              <th class="num">p99</th>
              <th class="num">Max</th>
              <th class="num">Oldest</th>
              <th>Median and max, 2 min</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => {
              const h = props.view.history.get(s.name);
              return (
                <tr key={s.name} data-stat={s.name}>
                  <td>{s.name}</td>
                  <td class="num" data-nodes>
                    {s.nodes.length}
                  </td>
                  <td class="num">{fmt(s.p50)}</td>
                  <td class="num">{fmt(s.p90)}</td>
                  <td class="num">{fmt(s.p99)}</td>
                  <td class="num">{fmt(s.max)}</td>
                  <td class="num">{(s.oldestAgeMs / 1000).toFixed(0)} s</td>
                  <td class="chart-cell">
                    <Sparkline
                      values={h?.max ?? []}
                      also={h?.p50 ?? []}
                      label={`${s.name}: median and maximum over the last two minutes`}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
