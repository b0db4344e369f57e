/**
 * Run by hidden-classes.test.ts with `--allow-natives-syntax`: builds several node cores alike,
 * runs them a little, and prints, as JSON, every object path at which their objects have more
 * than two hidden classes between them.
 */
import { seededRng, swimConfig } from "@grapevine/swim";
import { NodeCore } from "../src/node-core.js";
import { memCoreOptions } from "./harness.js";

const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (
  a: object,
  b: object,
) => boolean;

const cores = Array.from({ length: 12 }, (_, i) => {
  const core = new NodeCore(memCoreOptions(`n${i}`, swimConfig("lan", {}), seededRng(i + 1)));
  core.start(0);
  core.set("k", new Uint8Array([i]), 1);
  for (let now = 0; now < 5_000; now = Math.max(now + 1, core.nextWakeAt())) {
    core.tick(now);
    core.drain();
  }
  return core;
});

const offenders: string[] = [];
const seen = new Set<object>();
const walk = (path: string, objects: unknown[], depth: number): void => {
  const first = objects[0];
  if (typeof first !== "object" || first === null || seen.has(first) || depth > 6) return;
  if (ArrayBuffer.isView(first) || first instanceof Map || first instanceof Set) return;
  if (Array.isArray(first)) return;
  seen.add(first);
  const maps: object[] = [];
  for (const o of objects) {
    if (typeof o === "object" && o !== null && !maps.some((m) => sameMap(m, o))) maps.push(o);
  }
  if (maps.length > 2) offenders.push(`${path}: ${maps.length} hidden classes`);
  for (const key of Object.keys(first)) {
    walk(
      `${path}.${key}`,
      objects.map((o) => (o as Record<string, unknown>)[key]),
      depth + 1,
    );
  }
};
walk("core", cores, 0);
process.stdout.write(`${JSON.stringify(offenders)}\n`);
