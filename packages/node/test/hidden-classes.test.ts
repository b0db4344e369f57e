/**
 * Node cores built alike share hidden classes: the objects a core's parts read at every step (the
 * hosts wired in its constructor) must not get a hidden class of their own per core, as an
 * object made with a spread (`{ ...{ a, b }, c }`, `{ ...host, c }`) does in V8. With many
 * members in one process (a test, a benchmark, several clusters), each such read would otherwise
 * go through V8's megamorphic inline cache at every step.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("gives the objects of node cores built alike the same hidden classes", () => {
  const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
  const script = fileURLToPath(new URL("./hidden-classes-child.ts", import.meta.url));
  const child = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", "--conditions=@grapevine/source", "--import", "tsx", script],
    { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
  );
  expect(child.stderr).toBe("");
  expect(JSON.parse(child.stdout)).toEqual([]);
}, 70_000);
