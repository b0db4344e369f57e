import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("the example is test/readme-example.ts, and it prints what the README shows", async () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(block).toBe(example);
    const printed = /It prints:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1]?.trimEnd().split("\n");
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
    try {
      await import("./readme-example.js");
    } finally {
      log.mockRestore();
    }
    expect(lines).toEqual(printed);
  });
});
