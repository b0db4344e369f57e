/**
 * The sans-IO check (scripts/check-sans-io.mjs) against its fixtures: every trick in
 * scripts/sans-io-fixtures is reported on exactly the lines marked `// caught: <text>`, the clean
 * fixture passes, and so do the real sans-IO sources.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { checkSansIo, SANS_IO_ROOTS, sansIoFiles } from "../check-sans-io.mjs";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = join(repo, "scripts/sans-io-fixtures");
const script = join(repo, "scripts/check-sans-io.mjs");

/** The `// caught: <text>` markers of a fixture, by 1-based line. */
function markers(file: string): Map<number, string> {
  const out = new Map<number, string>();
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const m = /\/\/ caught: (.+)$/.exec(line);
      if (m) out.set(i + 1, m[1]!.trim());
    });
  return out;
}

const fixtureFiles = readdirSync(fixtures)
  .filter((f) => f.endsWith(".ts"))
  .sort();

describe("sans-IO check", () => {
  it("has a fixture for every family of tricks, and a clean one", () => {
    expect(fixtureFiles).toEqual([
      "ambient.ts",
      "async.ts",
      "clean.ts",
      "code-from-strings.ts",
      "global-objects.ts",
      "imports.ts",
      "math-aliases.ts",
    ]);
    expect(markers(join(fixtures, "clean.ts")).size).toBe(0);
  });

  it.each(fixtureFiles)("reports exactly the marked lines of %s", (name) => {
    const file = join(fixtures, name);
    const expected = markers(file);
    const problems = checkSansIo([file]);
    const byLine = new Map<number, string[]>();
    for (const p of problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p.message]);
    expect([...byLine.keys()].sort((a, b) => a - b)).toEqual(
      [...expected.keys()].sort((a, b) => a - b),
    );
    for (const [line, text] of expected) {
      expect(
        byLine.get(line)?.some((m) => m.includes(text)),
        `${name}:${line} reported as ${JSON.stringify(byLine.get(line))}, expected "${text}"`,
      ).toBe(true);
    }
  });

  it("catches each trick on its own, not only next to others", () => {
    // One line a program: a check that only fired because of a neighbour would miss these.
    const tricks = [
      "const M = Math; export const r = M.random();",
      'export const r = Math["random"]();',
      "export const t = globalThis.setTimeout;",
      "export const t = window.setTimeout;",
      "export const d = self.Date;",
      "const { random } = Math; export const r = random();",
      'export const r = Reflect.get(Math, "random");',
      'import "node:dgram";',
      'export const d = require("dgram");',
      'export const n = import("node:net");',
      'export const f = new Function("return 1");',
      'export const e = eval("1");',
      "export const p = process.pid;",
      'export const b = Buffer.from("x");',
      "export async function f() {}",
      "export function f(p: unknown) { return (async () => { await p; })(); }",
      "export const p = Promise.resolve();",
      "queueMicrotask(() => undefined);",
      "export const r = crypto.getRandomValues(new Uint8Array(1));",
      "export const t = performance.now();",
      "export const d = new Date();",
      "export const d = Date.now();",
      "export const d = Date;",
    ];
    for (const code of tricks) {
      const problems = checkSansIo(["/virtual/trick.ts"], new Map([["/virtual/trick.ts", code]]));
      expect(problems.length, code).toBeGreaterThan(0);
    }
    // And the same harness accepts a clean line, so the loop above can fail.
    const clean = "export const f = (now: number) => Math.floor(now / 2);";
    expect(checkSansIo(["/virtual/ok.ts"], new Map([["/virtual/ok.ts", clean]]))).toEqual([]);
  });

  it("passes the sans-IO packages as they are, and checks every one of them that exists", () => {
    const files = sansIoFiles(SANS_IO_ROOTS.map((r) => join(repo, r)));
    const checked = files.map((f) => relative(repo, f));
    expect(checked).toContain("packages/swim/src/swim.ts");
    expect(checked).toContain("packages/state/src/cluster-state.ts");
    expect(checked.some((f) => f.endsWith(".test.ts"))).toBe(false);
    expect(checkSansIo(files)).toEqual([]);
  });

  it("as a command, names file, line and reason, and exits 1", async () => {
    const run = promisify(execFile);
    const failure = await run(process.execPath, [script, join(fixtures, "imports.ts")], {
      cwd: repo,
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      'scripts/sans-io-fixtures/imports.ts:2:1: import "node:dgram": Node built-ins do I/O',
    );
    expect(failure?.stderr).toContain("sans-IO check: 12 problem(s) in 1 file(s)");
  });
});
