import { formatClock } from "./format.js";
import type { Transition } from "./state.js";
import { TIMELINE_MS } from "./state.js";

const COLOURS: Readonly<Record<string, string>> = {
  alive: "var(--alive)",
  suspect: "var(--suspect)",
  dead: "var(--dead)",
  left: "var(--left)",
};

/**
 * One lane per member over the last minutes: a mark at each transition, coloured by the status
 * entered. Drawn by hand in SVG: a chart library would outweigh the whole dashboard.
 */
function Lanes(props: { transitions: readonly Transition[]; now: number; spanMs: number }) {
  const names = [...new Set(props.transitions.map((t) => t.member))].sort();
  const width = 600;
  const lane = 16;
  const left = 110;
  const x = (iso: string) =>
    left + ((width - left - 6) * (Date.parse(iso) - (props.now - props.spanMs))) / props.spanMs;
  return (
    <svg
      class="lanes"
      viewBox={`0 0 ${width} ${names.length * lane + 14}`}
      role="img"
      aria-label="transitions per member"
    >
      {names.map((name, i) => (
        <g key={name} transform={`translate(0 ${i * lane})`}>
          <text x={left - 6} y={11} text-anchor="end" class="lane-name">
            {name.length > 16 ? `${name.slice(0, 15)}…` : name}
          </text>
          <line x1={left} x2={width - 6} y1={7} y2={7} class="lane-line" />
          {props.transitions
            .filter((t) => t.member === name)
            .map((t) => (
              <circle key={t.index} cx={x(t.time)} cy={7} r={4} fill={COLOURS[t.to] ?? "gray"}>
                <title>{`${formatClock(t.time)} ${name}: ${t.from ?? "?"} → ${t.to}`}</title>
              </circle>
            ))}
        </g>
      ))}
      <text x={left} y={names.length * lane + 11} class="axis">
        −{Math.round(props.spanMs / 60_000)} min
      </text>
      <text x={width - 6} y={names.length * lane + 11} text-anchor="end" class="axis">
        now
      </text>
    </svg>
  );
}

/** The lanes' time span: back to the oldest transition shown, between one minute and the whole window. */
function laneSpan(transitions: readonly Transition[], now: number): number {
  const oldest = Math.min(now, ...transitions.map((t) => Date.parse(t.time)));
  const span = Math.ceil(((now - oldest) * 1.1) / 60_000) * 60_000;
  return Math.min(TIMELINE_MS, Math.max(60_000, span));
}

/** The membership transitions of the last minutes: lanes, then the list, newest first. */
export function Timeline(props: { transitions: readonly Transition[]; agentNow: number }) {
  const recent = props.transitions.filter(
    (t) => props.agentNow - Date.parse(t.time) <= TIMELINE_MS,
  );
  return (
    <section class="panel timeline" aria-labelledby="timeline-title">
      <header>
        <h2 id="timeline-title">Timeline</h2>
        <span class="hint">membership transitions, last {TIMELINE_MS / 60_000} minutes</span>
      </header>
      {recent.length === 0 ? (
        <p class="empty">no transitions yet</p>
      ) : (
        <>
          <Lanes
            transitions={recent}
            now={props.agentNow}
            spanMs={laneSpan(recent, props.agentNow)}
          />
          <ol class="transitions">
            {recent.map((t) => (
              <li
                key={t.index}
                data-member={t.member}
                data-from={t.from ?? ""}
                data-to={t.to}
                data-refuted={t.refuted ? "true" : undefined}
              >
                <time dateTime={t.time}>{formatClock(t.time)}</time>
                <span class="who">{t.member}</span>
                {t.from === undefined ? null : <span class={`badge ${t.from}`}>{t.from}</span>}
                <span class="arrow">→</span>
                <span class={`badge ${t.to}`}>{t.to}</span>
                {t.refuted ? <span class="note">refuted</span> : null}
                {t.from === undefined && t.to === "alive" ? (
                  <span class="note joined">joined</span>
                ) : null}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
