import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("README example", () => {
  it("is the code in test/readme-example.ts, and it runs", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain(example.trim());
    const { log } = await import("./readme-example.js");
    expect(log).toEqual([
      "picked mem://n3, udp://10.0.0.5:7946, ws://gossip.example:8080/g",
      "reachable: udp://10.0.0.5:7946, mem://n3",
      "canonical: udp://[::1]:7946",
      "refused: invalid-address",
      'a "join" is delivered as "member-joined"',
    ]);
  });
});
