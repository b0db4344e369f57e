import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("README example", () => {
  it("is the code in test/readme-example.ts, and it runs", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain(example.trim());
    const { log } = await import("./readme-example.js");
    expect(log).toContain("0 ms b: a join");
    expect(log.at(-1)).toBe("a sees 2 alive, b sees 2 alive");
  });
});
