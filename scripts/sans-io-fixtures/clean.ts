// Code the check must accept: names that look like globals but are bindings of this module,
// members and labels that share a global's name, pure Math, types, generators.
import { now as clockNow, setTimeout } from "./local-clock.js";
import * as codec from "@grapevine/codec";

export interface Timers {
  setTimeout(fn: () => void, ms: number): number;
  readonly Date: number;
  performance: { now(): number };
}

export type Stamp = { at: Date; tags: Record<string, string>; list: ReadonlyArray<number> };

export function probeDeadline(now: number, Math: { random(): number }): number {
  // A parameter named Math is the caller's object, not the global.
  return now + Math.random();
}

export function jitter(rng: { next(): number }, spread: number): number {
  return Math.floor(rng.next() * spread) + Math.max(0, Math.min(spread, Math.abs(-1))) + Math.PI;
}

export const schedule = (timers: Timers, process: (n: number) => number) => {
  const Date = timers.Date;
  return process(timers.setTimeout(() => undefined, Date) + timers.performance.now());
};

export function* counter(limit: number): Generator<number> {
  outer: for (let i = 0; i < limit; i++) {
    if (i > 3) break outer;
    yield i;
  }
}

export class Queue<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly limit: number) {}
  push(item: T): boolean {
    if (this.items.length >= this.limit) return false;
    this.items.push(item);
    return true;
  }
  *[Symbol.iterator](): Iterator<T> {
    yield* this.items;
  }
}

const encoder = new TextEncoder();
export const bytes = encoder.encode("x");
export const view = new DataView(new Uint8Array(4).buffer);
export const big = BigInt(1) + 2n;
export const parsed = JSON.parse("{}") as unknown;
export const url = new URL("udp://10.0.0.5:7946").hostname;
export const ok = Number.isFinite(1) && !Number.isNaN(2) && isFinite(3) && parseInt("4", 10) === 4;
export const sym = Symbol("x");
export const err = new RangeError("x");
export const obj = { random: 1, setTimeout: 2, Date: 3 };
export const fromObj = obj.random + obj.setTimeout + obj.Date;
export const element = [1, 2, 3][1];
export const local = { clockNow, setTimeout, codec };
export { clockNow as now };
export { decode as Date } from "@grapevine/codec";
