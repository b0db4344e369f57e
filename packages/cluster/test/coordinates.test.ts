import { describe, expect, it } from "vitest";
import { allSeeAlive, startCluster } from "./harness.js";

const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);

describe("network coordinates through the cluster API (virtual time)", () => {
  it("estimates the RTT of every pair near the network's (1 ms ± 0.5 each way)", async () => {
    const t = await startCluster(4, 3, { preset: "local" });
    await t.runUntil(() => allSeeAlive(t.nodes, names(4)), 30_000);
    await t.clock.runFor(30_000);
    const n0 = t.byName("n0");
    expect(n0.coordinate()?.vec).toHaveLength(8);
    for (const a of names(4)) {
      expect(n0.coordinateOf(a)).toBeDefined();
      for (const b of names(4)) {
        if (a === b) continue;
        const rtt = n0.rtt(a, b)!;
        expect(rtt).toBeGreaterThan(0.5);
        expect(rtt).toBeLessThan(6);
      }
    }
    expect(n0.rtt("n1")).toBe(n0.rtt("n1", "n0"));
    expect(n0.rtt("nobody")).toBeUndefined();
    for (const node of t.nodes) await node.shutdown();
  });

  it("a member with coordinates off has none, and is estimated by nobody", async () => {
    const t = await startCluster(3, 4, { preset: "local" }, (i) => ({ coordinates: i !== 2 }));
    await t.runUntil(() => allSeeAlive(t.nodes, names(3)), 30_000);
    await t.clock.runFor(20_000);
    expect(t.byName("n2").coordinate()).toBeUndefined();
    expect(t.byName("n0").rtt("n2")).toBeUndefined();
    expect(t.byName("n0").rtt("n1")).toBeGreaterThan(0);
    for (const node of t.nodes) await node.shutdown();
  });
});
