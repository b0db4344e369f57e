/**
 * Dissemination in a small cluster, where the retransmit limit is only a few copies and gossip
 * to the dead spends some of them: news must still reach every live member by gossip alone
 * (push-pull off here, so nothing repairs a miss).
 */
import { swimConfig } from "@grapevine/swim";
import { describe, expect, it } from "vitest";
import { CoreNet } from "./harness.js";

describe("dissemination in a small cluster", () => {
  const config = swimConfig("local", { suspicionMult: 1, pushPullIntervalMs: 0 });

  it("a member that joins late is known to every live member within 2 s, over 40 seeds", () => {
    const names = ["n0", "n1", "n2", "n3", "n4", "n5", "late"];
    const missed: string[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const net = new CoreNet(names, seed, config);
      const members = names.slice(0, 6);
      net.joinThrough("n0", members.slice(1));
      net.runUntil(() => members.every((n) => net.core(n).aliveCount() === 6), 10_000);
      // Two members crash and are declared dead; they are still gossiped to for a while.
      net.cut.add("n4");
      net.cut.add("n5");
      net.runUntil(
        () =>
          ["n0", "n1", "n2", "n3"].every((n) =>
            ["n4", "n5"].every((d) => net.core(n).member(d)?.status === "dead"),
          ),
        30_000,
      );
      // The late member joins through n0 and cannot talk to n3 (a tab blocked from one agent):
      // n3 hears of it only from the others' gossip.
      net.blocked.add("late>n3");
      net.blocked.add("n3>late");
      net.step("late", (now, c) => c.join(["mem://n0"], now));
      net.runFair(2_000);
      for (const n of ["n0", "n1", "n2", "n3"]) {
        if (net.core(n).member("late")?.status !== "alive") missed.push(`seed ${seed}: ${n}`);
      }
    }
    expect(missed).toEqual([]);
  });
});
