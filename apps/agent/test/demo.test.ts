import { afterAll, describe, expect, it } from "vitest";
import { killAll, runCliProcess } from "./helpers/cli-process.js";

afterAll(killAll);

describe("grapevine demo", () => {
  it("runs the quick start to completion, exits 0 and leaves no agent behind", async () => {
    const started = Date.now();
    const r = await runCliProcess(["demo"], { timeoutMs: 80_000 });
    const took = Date.now() - started;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const step of [
      /✔ start 5 agents \(/,
      /✔ every agent sees all 5 alive \(/,
      /✔ key "greeting" set on node-1 reaches all 5 \(/,
      /✔ node-5 suspected by another agent \(/,
      /✔ node-5 declared dead by all others \(/,
      /✔ node-4 left, seen as "left" by all others \(/,
    ]) {
      expect(r.stdout).toMatch(step);
    }
    // Not a terminal: change lines are appended, never redrawn in place.
    expect(r.stdout).not.toContain("\u001b[");
    expect(r.stdout).toMatch(/node-5 suspect/);
    expect(r.stdout).toMatch(/^ {2}node-1 +alive +alive +alive +left +dead$/m);
    expect(r.stdout).toMatch(/total \(with process start-up\)/);
    expect(took).toBeLessThan(60_000);
  });
});
