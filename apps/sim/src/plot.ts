/** One line of a plot: points (x, y). */
export interface Series {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** What to draw. */
export interface PlotSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Force the y range (e.g. [0, 1] for fractions). */
  readonly yRange?: readonly [number, number];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceTicks(min: number, max: number, count = 5): number[] {
  const span = max - min || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** At most ~2,000 points per line: an SVG path needs no more to look exact at this size. */
function thin(
  points: ReadonlyArray<readonly [number, number]>,
): ReadonlyArray<readonly [number, number]> {
  if (points.length <= 2000) return points;
  const step = Math.ceil(points.length / 2000);
  const out = points.filter((_, i) => i % step === 0);
  out.push(points[points.length - 1]!);
  return out;
}

/** Renders a line plot as a standalone SVG document (no dependencies; opens in any browser). */
export function renderSvg(spec: PlotSpec): string {
  const width = 720;
  const height = 420;
  const m = { left: 64, right: 20, top: 40, bottom: 52 };
  // Loops, not Math.min(...xs): a long run has more points than the call stack has room for.
  let xMin = Number.POSITIVE_INFINITY;
  let xMax = Number.NEGATIVE_INFINITY;
  let yLow = 0;
  let yHigh = Number.NEGATIVE_INFINITY;
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (y < yLow) yLow = y;
      if (y > yHigh) yHigh = y;
    }
  }
  if (!Number.isFinite(xMin)) {
    xMin = 0;
    xMax = 1;
  }
  const [yMin, yMax] = spec.yRange ?? [yLow, Number.isFinite(yHigh) && yHigh !== 0 ? yHigh : 1];
  const sx = (x: number) => m.left + ((x - xMin) / (xMax - xMin || 1)) * (width - m.left - m.right);
  const sy = (y: number) =>
    height - m.bottom - ((y - yMin) / (yMax - yMin || 1)) * (height - m.top - m.bottom);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(spec.title)}</text>`,
  );
  for (const t of niceTicks(xMin, xMax)) {
    const x = sx(t).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${m.top}" x2="${x}" y2="${height - m.bottom}" stroke="#eee"/>`,
      `<text x="${x}" y="${height - m.bottom + 16}" text-anchor="middle">${t}</text>`,
    );
  }
  for (const t of niceTicks(yMin, yMax)) {
    const y = sy(t).toFixed(1);
    out.push(
      `<line x1="${m.left}" y1="${y}" x2="${width - m.right}" y2="${y}" stroke="#eee"/>`,
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${t}</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" y1="${height - m.bottom}" x2="${width - m.right}" y2="${height - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${height - m.bottom}" stroke="black"/>`,
    `<text x="${width / 2}" y="${height - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = thin(s.points)
      .map((p, j) => `${j === 0 ? "M" : "L"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
      .join("");
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    out.push(
      `<rect x="${m.left + 10}" y="${m.top + 6 + i * 18}" width="12" height="12" fill="${color}"/>`,
      `<text x="${m.left + 28}" y="${m.top + 16 + i * 18}">${esc(s.label)}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
