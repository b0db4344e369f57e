import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");

it("the README example is the one in test/readme-example.ts, and it runs", async () => {
  const readme = readFileSync(join(here, "../README.md"), "utf8");
  const example = readFileSync(join(here, "readme-example.ts"), "utf8");
  expect(readme).toContain(example.trim());
  // It waits on events, not on the wall clock.
  expect(example).not.toMatch(/setTimeout|sleep\(/);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=@grapevine/source", join(here, "readme-example.ts")],
    { cwd: root, timeout: 30_000 },
  );
  expect(stdout).toContain("b sees a (web)");
  expect(stdout).toContain("b: a/version = 1.2.3");
  expect(stdout).toContain("'a:alive'");
});
