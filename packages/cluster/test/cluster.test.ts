import { describe, expect, it } from "vitest";
import { allSeeAlive, startCluster } from "./harness.js";

describe("cluster on the memory network (virtual time)", () => {
  it("10 nodes: join, key spread, crash → dead, leave → left", async () => {
    const tc = await startCluster(10, 7);
    const names = tc.nodes.map((c) => c.name);
    const joinMs = await tc.runUntil(() => allSeeAlive(tc.nodes, names), 60_000);
    expect(joinMs).toBeLessThan(10_000);

    tc.byName("n3").set("color", "blue");
    await tc.runUntil(() => tc.nodes.every((c) => c.getText("color", "n3") === "blue"), 10_000);

    tc.network.crash("n5");
    await tc.nodes[5]!.shutdown();
    const live = tc.nodes.filter((c) => c.name !== "n5");
    await tc.runUntil(() => live.every((c) => c.member("n5")?.status === "dead"), 60_000);

    void tc.byName("n7").leave();
    const rest = live.filter((c) => c.name !== "n7");
    await tc.runUntil(() => rest.every((c) => c.member("n7")?.status === "left"), 30_000);
    expect(tc.log.some((l) => l.includes("member-left n7"))).toBe(true);
    expect(tc.log.some((l) => l.includes("member-dead n7"))).toBe(false);
    expect(tc.log.some((l) => l.includes("member-left n5"))).toBe(false);
  });

  it("100 nodes: converge, crash, leave, key spread, 2-minute 50/50 partition and heal", async () => {
    const tc = await startCluster(100, 42);
    const names = tc.nodes.map((c) => c.name);
    const joinMs = await tc.runUntil(() => allSeeAlive(tc.nodes, names), 120_000, 250);

    // One crash: declared dead by every other node.
    const victim = tc.byName("n17");
    tc.network.crash("n17");
    await victim.shutdown();
    let live = tc.nodes.filter((c) => c !== victim);
    const deadMs = await tc.runUntil(
      () => live.every((c) => c.member("n17")?.status === "dead"),
      120_000,
      250,
    );

    // One leave: reported as left, not dead.
    const leaver = tc.byName("n23");
    void leaver.leave();
    live = live.filter((c) => c !== leaver);
    const leftMs = await tc.runUntil(
      () => live.every((c) => c.member("n23")?.status === "left"),
      60_000,
      250,
    );

    // A key set on one node reaches all.
    tc.byName("n42").set("version", "1.2.3");
    const spreadMs = await tc.runUntil(
      () => live.every((c) => c.getText("version", "n42") === "1.2.3"),
      30_000,
      50,
    );

    // A 50/50 partition for 2 minutes, then heal: one membership again, everyone alive.
    const liveNames = live.map((c) => c.name);
    const half = Math.floor(liveNames.length / 2);
    tc.network.partition([liveNames.slice(0, half), liveNames.slice(half)]);
    await tc.clock.runFor(120_000);
    // Each side has declared the other dead by now.
    expect(live[0]!.member(liveNames[liveNames.length - 1]!)?.status ?? "forgotten").not.toBe(
      "alive",
    );
    tc.network.heal();
    const healMs = await tc.runUntil(() => allSeeAlive(live, liveNames), 300_000, 500);

    console.log(
      JSON.stringify({ joinMs, deadMs, leftMs, spreadMs, healMs, events: tc.log.length }),
    );
  });

  it("same seed ⇒ identical event logs", async () => {
    const run = async () => {
      const tc = await startCluster(20, 99);
      await tc.clock.runFor(5_000);
      tc.byName("n4").set("k", "v");
      tc.network.crash("n9");
      await tc.byName("n9").shutdown();
      await tc.clock.runFor(30_000);
      return tc.log;
    };
    const a = await run();
    const b = await run();
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
  });
});

describe("application messages", () => {
  it("a broadcast reaches every one of 50 members exactly once, relayed infection-style", async () => {
    const tc = await startCluster(50, 12);
    const names = tc.nodes.map((c) => c.name);
    await tc.runUntil(() => allSeeAlive(tc.nodes, names), 60_000);
    const received = new Map<string, number>();
    for (const c of tc.nodes) {
      c.on("user-message", (e) => {
        if (e.name === "deploy") received.set(c.name, (received.get(c.name) ?? 0) + 1);
      });
    }
    tc.byName("n7").broadcast("deploy", new TextEncoder().encode("v2"));
    await tc.runUntil(() => received.size >= 49, 10_000, 50);
    await tc.clock.runFor(10_000);
    expect(received.has("n7")).toBe(false);
    expect([...received.values()].every((count) => count === 1)).toBe(true);
    expect(received.size).toBe(49);
  });
});
