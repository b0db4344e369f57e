import { describe, expect, it } from "vitest";
import { allSeeAlive, startCluster } from "./harness.js";

/** Stream frame bytes written by every node over `ms` of virtual time after convergence. */
async function pushPullBytes(compressing: (i: number) => boolean): Promise<{
  bytes: number;
  failures: number;
  malformed: number;
  pushPulls: number;
}> {
  const tc = await startCluster(10, 7, {}, (i) => ({ compression: compressing(i) }));
  const names = tc.nodes.map((c) => c.name);
  await tc.runUntil(() => allSeeAlive(tc.nodes, names), 30_000);
  // Some state, so that a push-pull frame is worth compressing.
  for (const c of tc.nodes) c.set("config", `${c.name}:${"setting=value;".repeat(20)}`);
  // One whole push-pull interval (30 s below 32 members) and then some.
  await tc.clock.runFor(5_000);
  const before = tc.network.counters().frameBytesSent;
  const pushPullsBefore = tc.nodes.reduce((n, c) => n + c.counters.pushPulls, 0);
  await tc.clock.runFor(90_000);
  const result = {
    bytes: tc.network.counters().frameBytesSent - before,
    failures: tc.nodes.reduce((n, c) => n + c.counters.pushPullFailures, 0),
    malformed: tc.nodes.reduce((n, c) => n + c.counters.drops.malformed, 0),
    pushPulls: tc.nodes.reduce((n, c) => n + c.counters.pushPulls, 0) - pushPullsBefore,
  };
  expect(allSeeAlive(tc.nodes, names)).toBe(true);
  for (const c of tc.nodes) await c.shutdown();
  return result;
}

describe("push-pull compression (memory network, virtual time)", () => {
  it("members with and without compression interoperate; compressed exchanges are smaller", async () => {
    const none = await pushPullBytes(() => false);
    const all = await pushPullBytes(() => true);
    const mixed = await pushPullBytes((i) => i % 2 === 0);
    for (const run of [none, all, mixed]) {
      expect(run.failures).toBe(0);
      expect(run.malformed).toBe(0);
      expect(run.pushPulls).toBeGreaterThan(10);
    }
    // Per exchange: compressed frames are well under the plain ones; a mixed cluster in between.
    const per = (run: typeof none) => run.bytes / run.pushPulls;
    expect(per(all)).toBeLessThan(per(none) * 0.7);
    expect(per(mixed)).toBeLessThan(per(none));
    expect(per(mixed)).toBeGreaterThan(per(all));
  });
});
