import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");

it("the README's query example is test/readme-query-example.ts, and it runs", async () => {
  const readme = readFileSync(join(here, "../README.md"), "utf8");
  const example = readFileSync(join(here, "readme-query-example.ts"), "utf8");
  expect(readme).toContain(example.trim());
  expect(example).not.toMatch(/setTimeout|sleep\(/);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=@grapevine/source", join(here, "readme-query-example.ts")],
    { cwd: root, timeout: 30_000 },
  );
  expect(stdout).toContain("b up");
  expect(stdout).toContain("c up");
  expect(stdout).toContain("answered: b,c; missing: 0");
});
