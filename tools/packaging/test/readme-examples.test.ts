import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../src/pack.js";
import { outputMismatch, readmeExamples } from "../src/readme-examples.js";
import { publishablePackages, repoRoot } from "../src/workspace.js";

// Every TypeScript example in a published package's README is a copy of a file under test, and
// prints what the README says it prints. Here they run from the sources (tsx, through the
// workspace's source condition); the packed-install test runs them again from the tarballs.
const examples = readmeExamples(publishablePackages());

describe("README examples", () => {
  it("every published library has one", () => {
    const withExamples = new Set(examples.map((e) => e.pkg.manifest.name));
    for (const p of publishablePackages()) {
      if (p.manifest.bin === undefined) expect(withExamples, p.dir).toContain(p.manifest.name);
    }
  });

  it.each(examples.map((e) => [e.where, e] as const))("%s is a file under test", (_where, e) => {
    expect(e.file, "no file under test/ or examples/ has exactly this text").toBeDefined();
  });

  const programs = examples.filter((e) => e.file !== undefined && !e.file.endsWith(".test.ts"));
  it.each(programs.map((e) => [e.file, e] as const))(
    "%s prints what the README shows",
    async (file, e) => {
      expect(e.output, `${e.where}: no "It prints:" text block after the example`).toBeDefined();
      const result = await run(
        process.execPath,
        ["--import", "tsx", "--conditions=@grapevine/source", join(repoRoot, file as string)],
        { cwd: repoRoot, timeoutMs: 30_000 },
      );
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(outputMismatch(e.output as string, result.stdout)).toBeUndefined();
    },
  );
});

describe("outputMismatch", () => {
  it("matches line by line, with … standing for any text within a line", () => {
    expect(outputMismatch("a\nport …, id …\n", "a\nport 4711, id 9f\n")).toBeUndefined();
    expect(outputMismatch("a\nb\n", "a\n")).toMatch(/line 2: missing/);
    expect(outputMismatch("a\n", "a\nb\n")).toMatch(/line 2: unexpected/);
    expect(outputMismatch("x … y\n", "x\ny\n")).toMatch(/line 1/);
    expect(outputMismatch("(1.2.3)\n", "(1x2x3)\n")).toMatch(/line 1/);
  });
});
