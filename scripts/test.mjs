#!/usr/bin/env node
// The whole test gate: typecheck, lint, then every vitest suite in one run.
// Ends with the plain line "N passed, N failed" that CI reads.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const results = ".test-results.json";
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

step("typecheck", bin("turbo"), ["run", "typecheck", "--output-logs=errors-only"]);
step("lint", bin("biome"), ["check", "."]);
step("sans-io", process.execPath, ["scripts/check-sans-io.mjs"]);

rmSync(results, { force: true });
step("vitest", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${results}`,
]);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(results)) {
  const report = JSON.parse(readFileSync(results, "utf8"));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that fails to load has no tests to count; count it as a failure.
  for (const suite of report.testResults ?? []) {
    if (suite.status === "failed" && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
} else {
  failed += 1;
}
// Failed gate steps (typecheck, lint) count as failures too.
failed += failedSteps > 0 && failed === 0 ? failedSteps : 0;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || failedSteps > 0 ? 1 : 0);
