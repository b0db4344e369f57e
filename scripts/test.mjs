#!/usr/bin/env node
// The whole test gate: typecheck, lint, every vitest suite in one run, then the packed-install
// suite (tools/packaging/packed: build, pack, install with npm, run what users run) on its own,
// so that its builds and installs do not compete with the timing-sensitive socket tests.
// Ends with the plain line "N passed, N failed" that CI reads.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const results = ".test-results.json";
const packedResults = ".test-results.packed.json";
let failedSteps = 0;

function step(name, cmd, args) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(" ")}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit", shell: false });
  if (r.status !== 0) {
    failedSteps += 1;
    process.stdout.write(`=== ${name} FAILED (exit ${r.status})\n`);
    return false;
  }
  return true;
}

const bin = (name) => `node_modules/.bin/${name}`;

// Typecheck every workspace package (two at a time: the machine has two cores).
async function typecheckAll() {
  const jobs = [];
  for (const group of ["packages", "apps", "tools"]) {
    for (const name of readdirSync(group)) {
      const dir = join(group, name);
      for (const config of ["tsconfig.json", "tsconfig.test.json"]) {
        if (existsSync(join(dir, config))) jobs.push([dir, config]);
      }
    }
  }
  process.stdout.write(`\n=== typecheck: ${jobs.length} projects\n`);
  let failures = 0;
  const run = ([dir, config]) =>
    new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        ["../../node_modules/typescript/bin/tsc", "-p", config, "--noEmit"],
        {
          cwd: dir,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => {
        if (code !== 0) {
          failures += 1;
          process.stdout.write(`--- ${dir}/${config} failed\n${out}\n`);
        }
        resolve();
      });
    });
  const queue = [...jobs];
  await Promise.all(
    [0, 1].map(async () => {
      while (queue.length > 0) await run(queue.shift());
    }),
  );
  if (failures > 0) {
    failedSteps += 1;
    process.stdout.write(`=== typecheck FAILED (${failures} project(s))\n`);
  }
}
await typecheckAll();
step("lint", bin("biome"), ["check", "."]);
step("sans-io", process.execPath, ["scripts/check-sans-io.mjs"]);

rmSync(results, { force: true });
step("vitest", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${results}`,
]);
rmSync(packedResults, { force: true });
step("packed", bin("vitest"), [
  "run",
  "-c",
  "vitest.packed.config.ts",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${packedResults}`,
]);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of [results, packedResults]) {
  if (!existsSync(file)) {
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that fails to load has no tests to count; count it as a failure.
  for (const suite of report.testResults ?? []) {
    if (suite.status === "failed" && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
}
// Failed gate steps (typecheck, lint) count as failures too.
failed += failedSteps > 0 && failed === 0 ? failedSteps : 0;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || failedSteps > 0 ? 1 : 0);
