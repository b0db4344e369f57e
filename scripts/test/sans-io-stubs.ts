/**
 * Vitest setup for the sans-IO packages (see SANS_IO_PACKAGES in vitest.config.ts): the clock,
 * timer and random globals throw, so a core (or its test) that reads one fails loudly instead of
 * passing on wall-clock time. Vitest itself is unaffected: it keeps its own references to the
 * real timers.
 */
import fc from "fast-check";
import { afterAll } from "vitest";

/** Thrown by every stub; tests may match on it. */
export class SansIoViolation extends Error {
  override readonly name = "SansIoViolation";
}

const realMathRandom = Math.random;

// fast-check draws its default seed from Date.now() and Math.random(). Give it one up front, from
// the real generator before it is stubbed: properties keep exploring a new region each run (a
// failure prints its seed and path for replay), and the code under test still meets the stub.
const seed = Math.floor(realMathRandom() * 0x1_0000_0000) | 0;
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });

function stub(what: string, instead: string): () => never {
  return () => {
    throw new SansIoViolation(`${what} called in a sans-IO package's tests: ${instead}`);
  };
}

const clock = "take `now` as an argument (a virtual clock in tests)";
const timers = "return the next wake time instead of arming a timer";
const restore: Array<() => void> = [];

function replace<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
  const original = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, { value, configurable: true, writable: true });
  restore.push(() => {
    if (original) Object.defineProperty(target, key, original);
    else delete target[key];
  });
}

const RealDate = Date;
// `new Date()` and `Date()` read the clock as much as `Date.now()`; a date built from a given time
// (`new Date(ms)`) does not and stays allowed.
const StubDate = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    if (args.length === 0) stub("new Date()", clock)();
    return Reflect.construct(target, args, newTarget);
  },
  apply: stub("Date()", clock),
  get(target, key, receiver) {
    if (key === "now") return stub("Date.now", clock);
    return Reflect.get(target, key, receiver);
  },
});

replace(globalThis, "Date", StubDate);
replace(Math, "random", stub("Math.random", "use the injected seeded RNG"));
replace(performance, "now", stub("performance.now", clock));
replace(globalThis, "setTimeout", stub("setTimeout", timers) as unknown as typeof setTimeout);
replace(globalThis, "setInterval", stub("setInterval", timers) as unknown as typeof setInterval);
replace(globalThis, "setImmediate", stub("setImmediate", timers) as unknown as typeof setImmediate);

afterAll(() => {
  for (const undo of restore.reverse()) undo();
});
