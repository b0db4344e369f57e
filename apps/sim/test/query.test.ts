import type { QuerySummary } from "@grapevine/node";
import { describe, expect, it } from "vitest";
import { CoreWorld } from "../src/core-world.js";
import { parseOptions, type SimOptions } from "../src/options.js";

describe("queries at scale (virtual clock)", () => {
  it("N=1,000 at 5 % loss: a ping query reaches every member and ≥ 99 % of answers arrive before the timeout", async () => {
    const options = parseOptions([
      "idle",
      "--nodes",
      "1000",
      "--loss",
      "0.05",
      "--seed",
      "19",
    ]) as SimOptions;
    const world = new CoreWorld(options);
    await world.create();
    world.converge();
    await world.clock.runFor(2_000);
    const origin = world.nodes[0]!;
    const member = origin.cluster as unknown as {
      core: import("@grapevine/node").NodeCore;
      step(f: (now: number) => void): void;
    };
    let summary: QuerySummary | undefined;
    let answersBeforeDeadline = 0;
    let deadlineAt = 0;
    world.onOutput = (node, out) => {
      if (node !== origin) return;
      if (out.kind === "query-answer" && !out.ack && out.at <= deadlineAt)
        answersBeforeDeadline += 1;
      if (out.kind === "query-done") summary = out.summary;
    };
    const sentAt = world.clock.now();
    member.step((now) => {
      const ticket = member.core.query(
        { name: "ping", payload: new Uint8Array(0), relayFactor: 2 },
        now,
      );
      deadlineAt = ticket.deadlineAt;
    });
    // The default timeout: 200 ms × 16 × ⌈log10(1001)⌉ = 12.8 s.
    expect(deadlineAt - sentAt).toBe(12_800);
    while (summary === undefined && world.clock.now() <= deadlineAt + 1)
      await world.clock.runFor(100);
    const reached = world.nodes.filter(
      (n) =>
        n === origin || (n.cluster as unknown as typeof member).core.counters.queriesReceived > 0,
    ).length;
    const s = summary!;
    const ratio = answersBeforeDeadline / s.expected.length;
    console.log(
      `query N=1000 loss 5%: reached ${reached}/1000, answers before the deadline ${answersBeforeDeadline}/${s.expected.length} (${(ratio * 100).toFixed(2)} %), ended after ${((world.clock.now() - sentAt) / 1000).toFixed(1)} s`,
    );
    expect(reached).toBe(1000);
    expect(ratio).toBeGreaterThanOrEqual(0.99);
  });
});
