#!/usr/bin/env node
// The sans-IO rule (STYLE.md): swim, state, node and protocol never read a clock, draw
// randomness from a global, or touch I/O. Biome bans the globals; this check
// catches the member accesses a global ban cannot (Math.random, globalThis.*).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const roots = [
  "packages/swim/src",
  "packages/state/src",
  "packages/node/src",
  "packages/protocol/src",
];
const banned = [
  [/\bMath\.random\b/, "Math.random: use the injected seeded RNG"],
  [/\bDate\.now\b|\bnew Date\b/, "Date: take `now` as an argument"],
  [/\bperformance\.now\b/, "performance.now: take `now` as an argument"],
  [/\bset(Timeout|Interval|Immediate)\b/, "timers: return the next wake time instead"],
  [/\bprocess\./, "process: no process access"],
  [/\bBuffer\b/, "Buffer: use Uint8Array"],
  [/\bfrom\s+["']node:/, "node: imports: no I/O modules"],
  [/\basync\s+(function|\(|\w+\s*\()|\bawait\b/, "async: entry points are synchronous"],
];
// A method signature in an interface (protocol's `Clock.setTimeout(fn, delayMs): TimerHandle;`)
// declares a timer for a runtime to implement; it starts none.
const methodSignature = /^\s*set(Timeout|Interval|Immediate)\(.*\)\s*:\s*[\w<>[\]|. ]+;\s*$/;

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) yield p;
  }
}

let problems = 0;
for (const root of roots) {
  for (const file of walk(root)) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (/^\s*(\*|\/\*)/.test(code)) return;
      for (const [re, why] of banned) {
        if (re.test(code) && !(why.startsWith("timers") && methodSignature.test(code))) {
          console.error(`${file}:${i + 1}: ${why}`);
          problems += 1;
        }
      }
    });
  }
}
if (problems > 0) {
  console.error(`sans-IO check: ${problems} problem(s)`);
  process.exit(1);
}
console.log("sans-IO check: ok");
