/**
 * The contract through the real CLI: `grapevine agent --wire memberlist` processes in a cluster
 * of Go memberlist nodes (Debian's 0.2.2) on loopback, read through the agent's HTTP API.
 * Scenarios 1 (all five alive within 5 s, with metadata), 6 (metadata both ways), 7 (user
 * messages both ways) and 2 (kill -9 of an agent).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  AgentProcess,
  buildGoTool,
  GoCluster,
  goMissing,
  goRequired,
  joinGoNodes,
  unconfirmedDetectionMs,
} from "../src/index.js";

const missing = goMissing();
const run = missing === undefined || goRequired();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/**
 * How long a membership change may take to reach everyone: usually one gossip round or two, but
 * with the local preset an update is sent RetransmitMult·⌈log10(N+1)⌉ = 2 times by each member
 * that hears it, to random members, so a member misses it several times in a hundred. The
 * periodic push-pull (every 15 s on both sides, with a random member, which may not have heard
 * either) repairs that: two intervals and a margin.
 */
const GOSSIP_OR_PUSH_PULL_MS = 35_000;

/** Re-checks an async condition until it holds, up to `timeoutMs` (no fixed sleeps). */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!run)("grapevine agent --wire memberlist in a Go memberlist cluster", () => {
  it("joins 3 Go nodes; metadata and user messages both ways; kill -9 is seen as dead", async () => {
    const go = await GoCluster.start(buildGoTool(), { nodes: 3, meta: '{"role":"go%d"}' });
    cleanups.push(() => go.stop());
    await joinGoNodes(go, 3);
    // Each joins through every member already there (see startMixed for why).
    const seeds = go.addresses.map((a) => `udp://${a}`);
    const agents: AgentProcess[] = [];
    cleanups.push(async () => {
      await Promise.all(agents.map((a) => a.stop()));
    });
    // Scenario 1: both agents start (the CLI's start-up is not the protocol's), then every one
    // of the five lists all five alive, with their metadata, within 5 s.
    const started = Date.now();
    for (const name of ["gv-a", "gv-b"]) {
      const joins = seeds.flatMap((seed) => ["--join", seed]);
      const args = [...joins, "--preset", "local", "--tag", `role=${name}`];
      const agent = await AgentProcess.start(name, args);
      agents.push(agent);
      seeds.push(`udp://${agent.address}`);
    }
    const [a, b] = agents as [AgentProcess, AgentProcess];
    const names = ["go-0", "go-1", "go-2", "gv-a", "gv-b"];
    await Promise.all(
      [0, 1, 2].flatMap((i) =>
        ["gv-a", "gv-b"].map((member) =>
          go.waitFor((e) => e.event === "join" && e.node === i && e.member === member, 5_000),
        ),
      ),
    );
    for (const agent of agents) {
      const members = await eventually(async () => {
        const list = await agent.members();
        return list.filter((m) => m.status === "alive").length === 5 ? list : undefined;
      }, 5_000);
      expect(members.map((m) => m.name)).toEqual(names);
      expect(members.find((m) => m.name === "go-1")?.tags).toEqual({ role: "go1" });
      expect(members.find((m) => m.name === "gv-b")?.tags).toEqual({ role: "gv-b" });
    }
    for (let i = 0; i < 3; i++) {
      const members = await go.members(i);
      expect(members.map((m) => m.name).sort()).toEqual(names);
      expect(members.find((m) => m.name === "gv-a")?.meta).toBe('{"role":"gv-a"}');
    }
    const convergedInMs = Date.now() - started;
    const info = await a.get<{ config: { wire: string; preset: string } }>("/v1/info");
    expect(info.config).toMatchObject({ wire: "memberlist", preset: "local" });
    // The agent's metrics read every transport, memberlist's included.
    const metrics = await fetch(`${a.http}/metrics`, { signal: AbortSignal.timeout(5_000) });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain(
      'grapevine_transport_datagrams_dropped_total{transport="udp"} 0',
    );

    // Scenario 6: a tag change on an agent reaches every Go node; a Go node's new meta reaches
    // both agents; tags that memberlist cannot carry (over 512 B) are refused with a 413.
    expect((await a.send("PUT", "/v1/tags", { zone: "z1" })).status).toBe(200);
    await Promise.all(
      [0, 1, 2].map((i) =>
        go.waitFor(
          (e) =>
            e.event === "update" &&
            e.node === i &&
            e.member === "gv-a" &&
            e.meta === '{"role":"gv-a","zone":"z1"}',
          GOSSIP_OR_PUSH_PULL_MS,
        ),
      ),
    );
    const tooBig = await a.send("PUT", "/v1/tags", { big: "x".repeat(600) });
    expect(tooBig.status).toBe(413);
    expect(JSON.stringify(tooBig.body)).toContain("512");
    go.command({ cmd: "meta", node: 2, meta: '{"role":"go2","zone":"z9"}' });
    for (const agent of agents) {
      await agent.event(
        (e) => e.type === "member-updated" && (e.data.member as { name: string }).name === "go-2",
        GOSSIP_OR_PUSH_PULL_MS,
      );
      expect((await agent.members()).find((m) => m.name === "go-2")?.tags).toEqual({
        role: "go2",
        zone: "z9",
      });
    }

    // Scenario 7: a user message broadcast from a Go node reaches both agents' event streams, and
    // an agent's user event reaches every Go node. A Go broadcast goes out
    // RetransmitMult·⌈log10(N+1)⌉ times to random members and Go nodes do not relay, so a Go node
    // broadcasts again until both agents have had one (Grapevine relays what it hears).
    const fromGo = (agent: AgentProcess) =>
      agent.event(
        (e) =>
          e.type === "user-message" &&
          e.data.name === "memberlist" &&
          Buffer.from(e.data.payload as string, "base64")
            .toString()
            .startsWith("from-go"),
        500,
      );
    const heardBy = async (agent: AgentProcess) =>
      fromGo(agent).then(
        () => true,
        () => false,
      );
    let heard = [false, false];
    // A new payload each time: a repeated one would be recognised as seen and not relayed again.
    for (let attempt = 0; attempt < 10 && !heard.every(Boolean); attempt++) {
      go.command({ cmd: "broadcast", node: attempt % 3, payload: `from-go-${attempt}` });
      heard = await Promise.all([heardBy(a), heardBy(b)]);
    }
    expect(heard).toEqual([true, true]);
    // The other way the same arithmetic holds (Go nodes do not relay what they hear), so the
    // agent sends again, a new payload each time, until every Go node has had one.
    const goHeard = (i: number) =>
      go.events.some(
        (e) => e.event === "user" && e.node === i && String(e.payload).startsWith("from-gv"),
      );
    for (let attempt = 0; attempt < 10 && ![0, 1, 2].every(goHeard); attempt++) {
      const sent = await b.send("POST", "/v1/event", {
        name: "deploy",
        payload: `from-gv-${attempt}`,
      });
      expect(sent.status).toBe(200);
      await Promise.all(
        [0, 1, 2].map((i) =>
          go
            .waitFor(
              (e) => e.event === "user" && e.node === i && e.payload === `from-gv-${attempt}`,
              500,
            )
            .catch(() => undefined),
        ),
      );
    }
    expect([0, 1, 2].every(goHeard)).toBe(true);

    // Scenario 2, through the CLI: kill -9 an agent; every Go node and the other agent mark it dead.
    const killedAt = Date.now();
    a.signal("SIGKILL");
    const byGo = await Promise.all(
      [0, 1, 2].map((i) =>
        go.waitFor(
          (e) => e.event === "leave" && e.node === i && e.member === "gv-a",
          unconfirmedDetectionMs("local", 5),
        ),
      ),
    );
    const byAgent = await b.event(
      (e) => e.type === "member-dead" && (e.data.member as { name: string }).name === "gv-a",
      unconfirmedDetectionMs("local", 5),
    );
    expect((await b.members()).find((m) => m.name === "gv-a")?.status).toBe("dead");
    console.log(
      JSON.stringify({
        convergedInMs,
        deadAfterKillMs: byGo.map((e) => e.t - killedAt),
        byAgent: byAgent.type,
      }),
    );
  }, 150_000);
});
