import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("README example", () => {
  it("is the code in test/readme-example.ts, and it runs", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain(example.trim());
    const { log } = await import("./readme-example.js");
    expect(log).toContain("0 ms a: member-joined");
    expect(log).toContain("10 ms a: key-changed a/color");
    expect(log.some((l) => l.endsWith("b: key-changed a/color"))).toBe(true);
    expect(log).toContain("1000 ms b: b answered green");
    expect(log.some((l) => l.endsWith("b: a answered green"))).toBe(true);
    expect(log.some((l) => l.endsWith("b: query done, missing []"))).toBe(true);
    expect(log.at(-1)).toBe("b holds a/color = green");
  });
});
