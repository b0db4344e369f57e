import { describe, expect, it } from "vitest";
import {
  ClusterOptionsError,
  ForceLeaveError,
  LimitError,
  type QueryAnswer,
} from "../src/index.js";
import { allSeeAlive, startCluster } from "./harness.js";

const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe("queries through the cluster API (virtual time)", () => {
  it("answers from async handlers and the built-in ping arrive as an async iterable, then a summary", async () => {
    const t = await startCluster(5, 11, { preset: "local" }, (i) => ({
      tags: { role: i % 2 ? "web" : "db" },
    }));
    await t.runUntil(() => allSeeAlive(t.nodes, names(5)), 30_000);
    for (const node of t.nodes) {
      node.onQuery("load", async (q) => `${node.name}:${text(q.payload)}`);
    }
    const q = t
      .byName("n0")
      .query("load", "cpu", { requestAck: true, filter: { tags: { role: "web" } } });
    expect(q.expected).toEqual(["n1", "n3"]);
    const seen: QueryAnswer[] = [];
    const collected = (async () => {
      for await (const a of q) seen.push(a);
    })();
    await t.runUntil(() => seen.filter((a) => a.kind === "response").length === 2, 10_000, 10);
    const summary = await q.summary;
    await collected;
    expect(
      seen
        .filter((a) => a.kind === "response")
        .map((a) => text(a.payload))
        .sort(),
    ).toEqual(["n1:cpu", "n3:cpu"]);
    expect(
      seen
        .filter((a) => a.kind === "ack")
        .map((a) => a.from)
        .sort(),
    ).toEqual(["n1", "n3"]);
    expect(summary).toMatchObject({
      responded: ["n1", "n3"],
      acked: ["n1", "n3"],
      missing: [],
      complete: true,
    });

    const ping = t.byName("n2").query("ping");
    let done = false;
    void ping.summary.then(() => {
      done = true;
    });
    await t.runUntil(() => done, 10_000, 10);
    expect((await ping.summary).responded).toEqual(names(5));
    for (const node of t.nodes) await node.shutdown();
  });

  it("a throwing handler is counted and answers nothing; reserved names and bad options are refused", async () => {
    const t = await startCluster(3, 12, { preset: "local" });
    await t.runUntil(() => allSeeAlive(t.nodes, names(3)), 30_000);
    t.byName("n1").onQuery("boom", () => {
      throw new Error("handler bug");
    });
    t.byName("n2").onQuery("boom", async () => new Uint8Array(5_000));
    const q = t.byName("n0").query("boom", "", { timeoutMs: 2_000 });
    let done = false;
    void q.summary.then(() => {
      done = true;
    });
    await t.runUntil(() => done, 5_000, 50);
    expect((await q.summary).missing).toEqual(["n0", "n1", "n2"]);
    expect(t.byName("n1").counters.queryHandlerErrors).toBe(1);
    expect(t.byName("n2").counters.queryResponsesTooLarge).toBe(1);
    expect(() => t.byName("n0").onQuery("_grapevine-keys-list", () => "x")).toThrow(
      ClusterOptionsError,
    );
    expect(() => t.byName("n0").query("x", new Uint8Array(4_000))).toThrow(LimitError);
    expect(() => t.byName("n0").query("x", "", { relayFactor: -1 })).toThrow(/relayFactor/);
    for (const node of t.nodes) await node.shutdown();
  });

  it("user events: event() reaches every member as a user-message event", async () => {
    const t = await startCluster(4, 13, { preset: "local" });
    await t.runUntil(() => allSeeAlive(t.nodes, names(4)), 30_000);
    const got: string[] = [];
    for (const node of t.nodes) {
      node.on("user-message", (e) =>
        got.push(`${node.name}<-${e.from}:${e.name}=${text(e.payload)}`),
      );
    }
    t.byName("n3").event("deploy", "v2");
    await t.runUntil(() => got.length === 3, 10_000, 10);
    expect(got.sort()).toEqual(["n0<-n3:deploy=v2", "n1<-n3:deploy=v2", "n2<-n3:deploy=v2"]);
    for (const node of t.nodes) await node.shutdown();
  });

  it("forceLeave: a crashed member goes to left everywhere; prune forgets it; alive ones are refused", async () => {
    const t = await startCluster(5, 14, { preset: "local" });
    await t.runUntil(() => allSeeAlive(t.nodes, names(5)), 30_000);
    const live = t.nodes.slice(0, 4);
    expect(() => t.byName("n0").forceLeave("n1")).toThrow(ForceLeaveError);
    await t.byName("n4").shutdown();
    await t.runUntil(() => live.every((n) => n.member("n4")?.status === "dead"), 60_000);
    t.byName("n0").forceLeave("n4");
    await t.runUntil(() => live.every((n) => n.member("n4")?.status === "left"), 10_000, 10);
    t.byName("n1").forceLeave("n4", { prune: true });
    await t.runUntil(() => live.every((n) => n.member("n4") === undefined), 10_000, 10);
    for (const node of live) await node.shutdown();
  });
});
