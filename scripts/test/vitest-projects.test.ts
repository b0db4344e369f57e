/**
 * Which tests run with the sans-IO stubs (vitest.config.ts): every test file of the sans-IO
 * packages, and nothing else. Asked of vitest itself, so a change to the globs that lets a package
 * slip out of the stubbed project fails here.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { SANS_IO_PACKAGES } from "../../vitest.config.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));

it("runs every test of swim, state and node (when present) under the sans-IO stubs, and only those", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(repo, "node_modules/vitest/vitest.mjs"), "list", "--filesOnly", "--json"],
    { cwd: repo, maxBuffer: 16 * 1024 * 1024 },
  );
  const listed = JSON.parse(stdout) as Array<{ file: string; projectName: string }>;
  const sansIo = new Set(SANS_IO_PACKAGES.map((p) => `packages/${p}/`));
  const isSansIo = (file: string) => [...sansIo].some((prefix) => file.startsWith(prefix));

  expect(SANS_IO_PACKAGES).toEqual(expect.arrayContaining(["swim", "state", "node"]));
  const byProject = new Map<string, string[]>();
  for (const { file, projectName } of listed) {
    const rel = relative(repo, file);
    byProject.set(projectName, [...(byProject.get(projectName) ?? []), rel]);
  }
  const stubbed = byProject.get("sans-io") ?? [];
  const other = byProject.get("io") ?? [];
  expect(stubbed.length).toBeGreaterThan(10);
  expect(stubbed.filter((f) => !isSansIo(f))).toEqual([]);
  expect(other.filter(isSansIo)).toEqual([]);
  for (const pkg of SANS_IO_PACKAGES) {
    if (!existsSync(join(repo, "packages", pkg))) continue;
    expect(
      stubbed.some((f) => f.startsWith(`packages/${pkg}/`)),
      pkg,
    ).toBe(true);
  }
  // Unit tests next to the code and package tests under test/ alike.
  expect(stubbed).toContain("packages/swim/src/suspicion.test.ts");
  expect(stubbed).toContain("packages/state/test/properties.test.ts");
  expect(stubbed).toContain("packages/swim/test/sans-io-stubs.test.ts");
  expect(other).toContain("scripts/test/check-sans-io.test.ts");
});
