// A declaration with no run-time value does not make a global a local.
declare const Date: { now(): number };
declare function setTimeout(f: () => void, ms: number): number;
declare global {
  var performance: { now(): number };
}
export const now = Date.now(); // caught: Date
export const timer = setTimeout(() => undefined, 1); // caught: timers
export const started = performance.now(); // caught: performance
