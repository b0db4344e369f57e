#!/usr/bin/env node
// The whole test gate: typecheck, lint, the sans-IO check, the build of every package, every
// vitest suite in one run, then the packed-install suite (tools/packaging/packed: build, pack,
// install with npm, run what users run) on its own, so that its builds and installs do not
// compete with the timing-sensitive socket tests. Ends with the plain line "N passed, N failed"
// that CI reads; a gate step that fails counts as one failure there.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";

const results = ".test-results.json";
const packedResults = ".test-results.packed.json";
let failedSteps = 0;

function step(name, cmd, args, env = process.env) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(" ")}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit", shell: false, env });
  if (r.status !== 0) {
    failedSteps += 1;
    process.stdout.write(`=== ${name} FAILED (exit ${r.status})\n`);
    return false;
  }
  return true;
}

const bin = (name) => `node_modules/.bin/${name}`;

const tsc = resolvePath("node_modules/typescript/bin/tsc");

// Typecheck every workspace package (two at a time: the machine has two cores).
async function typecheckAll() {
  const jobs = [];
  for (const group of ["packages", "apps", "tools"]) {
    for (const name of readdirSync(group)) {
      const dir = join(group, name);
      // tsconfig.browser.json: code that runs in a browser (DOM types, the `browser` conditions).
      for (const config of ["tsconfig.json", "tsconfig.test.json", "tsconfig.browser.json"]) {
        if (existsSync(join(dir, config))) jobs.push([dir, config]);
      }
    }
  }
  process.stdout.write(`\n=== typecheck: ${jobs.length} projects\n`);
  let failures = 0;
  const run = ([dir, config]) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [tsc, "-p", config, "--noEmit"], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
      });
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
  // The scripts' own tests (the sans-IO check, the vitest projects) are typechecked too.
  jobs.push(["scripts", "tsconfig.json"]);
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

// Tests run on sources (the `@grapevine/source` condition), so only the build shows that every
// package still compiles to the `dist` its users import. In dependency order, two at a time.
step("build", bin("turbo"), ["run", "build", "--concurrency=2", "--output-logs=errors-only"], {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
});

rmSync(results, { force: true });
const vitestOk = step("vitest", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${results}`,
]);
rmSync(packedResults, { force: true });
const packedOk = step("packed", bin("vitest"), [
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
// A test step that failed is already counted when its report shows a failure.
let countedSteps = 0;
for (const [file, ok] of [
  [results, vitestOk],
  [packedResults, packedOk],
]) {
  let failedHere = 0;
  if (!existsSync(file)) {
    failedHere = 1;
  } else {
    const report = JSON.parse(readFileSync(file, "utf8"));
    passed += report.numPassedTests ?? 0;
    failedHere += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A suite that fails to load has no tests to count; count it as a failure.
    for (const suite of report.testResults ?? []) {
      if (suite.status === "failed" && (suite.assertionResults ?? []).length === 0) failedHere += 1;
    }
  }
  failed += failedHere;
  if (!ok && failedHere > 0) countedSteps += 1;
}
// Failed gate steps (typecheck, lint, sans-IO, build) count as failures too; so does a test run
// that failed with no failed test to show for it (an unhandled error, a crash).
failed += failedSteps - countedSteps;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || failedSteps > 0 ? 1 : 0);
