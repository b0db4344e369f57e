import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packet, RawUdp } from "../../../packages/cluster/test/hostile-helpers.js";
import { AgentHandle, getJson, killAll, waitForKey, waitForMember } from "./helpers/cli-process.js";

// Issue 15 against live agent processes on loopback: a forged claim about a node's own state is
// refuted, and an agent whose peers are all paused knows it is cut off.

const LOCAL = ["--bind", "udp://127.0.0.1:0", "--http", "127.0.0.1:0", "--preset", "local"];
const agents: AgentHandle[] = [];

beforeAll(async () => {
  const a = await new AgentHandle(["--name", "int-a", ...LOCAL, "--log-json"]).ready();
  agents.push(a);
  for (const name of ["int-b", "int-c"]) {
    agents.push(
      await new AgentHandle(["--name", name, ...LOCAL, "--join", a.addresses[0]!]).ready(),
    );
  }
  for (const x of agents) {
    for (const y of agents) await waitForMember(x.http, y.name, "alive");
  }
}, 60_000);

afterAll(() => {
  for (const x of agents) if (x.child.signalCode === null) x.child.kill("SIGCONT");
  killAll();
});

describe("a node defends its own state", () => {
  it("a forged delta (generation + 1, reset) for int-a, then a write on int-a: every agent has it within 5 s", async () => {
    const [a, b] = agents as [AgentHandle, AgentHandle, AgentHandle];
    const info = (await getJson<{ generation: number }>(a.http, "/v1/info")).body;
    const raw = await RawUdp.open();
    try {
      const port = Number(new URL(b.addresses[0]!).port);
      await raw.send(
        port,
        packet(
          [
            {
              type: "state-delta",
              delta: [
                {
                  owner: "int-a",
                  generation: info.generation + 1,
                  fromVersion: 0,
                  reset: true,
                  heartbeat: 1_000_000,
                  maxVersion: 1_000_000,
                  entries: [
                    {
                      key: "color",
                      value: Buffer.from("forged"),
                      version: 1_000_000,
                      tombstone: false,
                    },
                  ],
                },
              ],
            },
          ],
          "",
        ),
      );
    } finally {
      await raw.close();
    }
    await waitForKey(b.http, "int-a", "color", "forged", 5000).catch(() => undefined);
    const started = Date.now();
    const put = await fetch(`${a.http}/v1/kv/color`, { method: "PUT", body: "real" });
    expect(put.status).toBe(200);
    for (const x of agents) await waitForKey(x.http, "int-a", "color", "real", 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    // int-a heard the claim it never made and refuted it: counted, by reason.
    const text = await (await fetch(`${a.http}/metrics`)).text();
    const refuted = [
      ...text.matchAll(/^grapevine_state_refutations_total\{reason="[^"]+"\} (\d+)$/gm),
    ];
    expect(refuted.reduce((sum, m) => sum + Number(m[1]), 0)).toBeGreaterThan(0);
  });
});

describe("isolation", () => {
  it("with two of three agents stopped, the third reports isolated (503) and recovers after SIGCONT", async () => {
    const [a, b, c] = agents as [AgentHandle, AgentHandle, AgentHandle];
    b.child.kill("SIGSTOP");
    c.child.kill("SIGSTOP");
    try {
      await a.waitLog(/"state":"isolated"/, 20_000);
      const health = await fetch(`${a.http}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: "isolated" });
      const { body } = await getJson<{ members: { name: string; status: string }[] }>(
        a.http,
        "/v1/members",
      );
      for (const m of body.members.filter((m) => m.name !== "int-a")) {
        expect(m.status, m.name).not.toBe("alive");
      }
    } finally {
      b.child.kill("SIGCONT");
      c.child.kill("SIGCONT");
    }
    const resumed = Date.now();
    await a.waitLog(/"previous":"isolated"/, 10_000);
    expect(Date.now() - resumed).toBeLessThan(2000 + 1000);
    expect((await fetch(`${a.http}/health`)).status).not.toBe(503);
    for (const name of ["int-b", "int-c"]) await waitForMember(a.http, name, "alive");
    const { body } = await getJson<{ members: { name: string; status: string }[] }>(
      b.http,
      "/v1/members",
    );
    expect(body.members.find((m) => m.name === "int-a")?.status).toBe("alive");
  });
});
