import { readFileSync } from "node:fs";
import { expect, it, vi } from "vitest";

it("the README example is test/readme-example.ts, and it runs", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
  expect(block).toBe(example.replace('"../src/index.js"', '"@grapevine/state"'));

  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  try {
    await import("./readme-example.js");
  } finally {
    log.mockRestore();
  }
  expect(lines).toEqual([
    "gap: a",
    "a/http = 10.0.0.1:8080 @v1",
    "a/role = db @v2",
    "role on a: undefined | keys under h: 1",
    "next tick at: 3600020",
  ]);
});
