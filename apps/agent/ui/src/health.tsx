import type { Overview } from "./api.js";
import type { StreamState } from "./event-stream.js";
import { formatBytes } from "./format.js";
import { rates, type Sample } from "./rates.js";

/**
 * A line of recent values, scaled to its own maximum: a hand-drawn SVG sparkline. `also` is a
 * second, fainter line on the same scale (a median under its maximum).
 */
export function Sparkline(props: {
  values: readonly number[];
  also?: readonly number[];
  label: string;
}) {
  const w = 160;
  const h = 32;
  const max = Math.max(1e-9, ...props.values, ...(props.also ?? []));
  const n = Math.max(2, props.values.length);
  const line = (values: readonly number[]) =>
    values
      .map(
        (v, i) => `${((i * w) / (n - 1)).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`,
      )
      .join(" ");
  return (
    <svg class="spark" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={props.label}>
      {props.also !== undefined ? <polyline class="also" points={line(props.also)} /> : null}
      <polyline points={line(props.values)} />
    </svg>
  );
}

const CHARTS: readonly {
  readonly label: string;
  readonly pick: (c: Readonly<Record<string, number>>) => number;
  readonly format: (v: number) => string;
}[] = [
  {
    label: "packets/s in",
    pick: (c) => c.packetsIn ?? 0,
    format: (v) => v.toFixed(1),
  },
  {
    label: "packets/s out",
    pick: (c) => c.packetsOut ?? 0,
    format: (v) => v.toFixed(1),
  },
  { label: "bytes in", pick: (c) => c.bytesIn ?? 0, format: formatBytes },
  { label: "bytes out", pick: (c) => c.bytesOut ?? 0, format: formatBytes },
  {
    label: "suspicions/s",
    pick: (c) => c.suspicionsRaised ?? 0,
    format: (v) => v.toFixed(2),
  },
  {
    label: "failed probes/s",
    pick: (c) => c.probesFailed ?? 0,
    format: (v) => v.toFixed(2),
  },
];

const STREAM_TEXT: Readonly<Record<StreamState, string>> = {
  connecting: "connecting…",
  live: "live",
  retrying: "reconnecting…",
  unauthorized: "needs a token",
};

/** This node: its Lifeguard health, whether it is isolated, the stream, and traffic rates. */
export function Health(props: {
  overview: Overview | undefined;
  samples: readonly Sample[];
  stream: StreamState;
}) {
  const o = props.overview;
  const state = o?.health.state ?? "unknown";
  return (
    <section class="panel health" aria-labelledby="health-title">
      <header>
        <h2 id="health-title">Node</h2>
      </header>
      <dl class="facts">
        <dt>Health</dt>
        <dd>
          <span class={`badge ${state}`} data-health={state}>
            {state}
          </span>
        </dd>
        <dt>Lifeguard score</dt>
        <dd data-score>{o?.health.score ?? "–"}</dd>
        <dt>Agent</dt>
        <dd>{o?.status ?? "–"}</dd>
        <dt>Event stream</dt>
        <dd>
          <span class={`badge stream-${props.stream}`} data-stream={props.stream}>
            {STREAM_TEXT[props.stream]}
          </span>
        </dd>
      </dl>
      <div class="charts">
        {CHARTS.map((c) => {
          const values = rates(props.samples, c.pick);
          return (
            <figure key={c.label} class="chart">
              <figcaption>
                {c.label} <strong>{values.length > 0 ? c.format(values.at(-1) ?? 0) : "–"}</strong>
              </figcaption>
              <Sparkline values={values} label={c.label} />
            </figure>
          );
        })}
      </div>
    </section>
  );
}

/** The keyring: which key seals, which are installed; fingerprints only, never key material. */
export function Keyring(props: { overview: Overview | undefined }) {
  const ring = props.overview?.keyring;
  return (
    <section class="panel keyring" aria-labelledby="keyring-title">
      <header>
        <h2 id="keyring-title">Keyring</h2>
      </header>
      {ring === undefined ? (
        <p class="empty">–</p>
      ) : ring === null ? (
        <p class="empty" data-keyring="off">
          gossip is not encrypted
        </p>
      ) : (
        <ul class="keys" data-keyring="on">
          {ring.keys.map((k) => (
            <li key={k.fingerprint} class="mono">
              {k.fingerprint}
              {k.primary ? <span class="badge alive">primary</span> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
