/** `3s`, `4m 05s`, `2h 03m`, `5d 1h`: a duration for a table cell. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `512 B/s`, `1.2 KB/s`, `3.4 MB/s`. */
export function formatBytes(perSecond: number): string {
  if (perSecond < 1024) return `${Math.round(perSecond)} B/s`;
  if (perSecond < 1024 * 1024) return `${(perSecond / 1024).toFixed(1)} KB/s`;
  return `${(perSecond / 1024 / 1024).toFixed(1)} MB/s`;
}

/** `12:03:04`: the time of day of an ISO timestamp, in the browser's zone. */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour12: false });
}

/** A value for a table cell: text as is, bytes as a note. */
export function formatValue(value: string, encoding: "base64" | undefined): string {
  if (encoding === "base64")
    return `(${Math.floor((value.length * 3) / 4)} bytes, base64) ${value}`;
  return value;
}
