import { afterAll, describe, expect, it } from "vitest";
import { AgentHandle, getJson, killAll, openEvents, runCliProcess } from "./helpers/cli-process.js";

afterAll(() => killAll());

const agentArgs = (name: string, join?: AgentHandle) => [
  "--name",
  name,
  "--bind",
  "udp://127.0.0.1:0",
  "--http",
  "127.0.0.1:0",
  "--preset",
  "local",
  "--dead-owner-grace",
  "2s",
  ...(join ? ["--join", join.addresses[0]!] : []),
];

/** Resolves once `base` holds config `key` = `value` (checked now, then on shared-changed events). */
async function waitForConfig(base: string, key: string, value: string, timeoutMs = 15_000) {
  const events = await openEvents(base);
  try {
    const now = await getJson<{ value: string }>(base, `/v1/config/${key}`);
    if (now.status === 200 && now.body.value === value) return;
    await events.next(
      (e) => e.type === "shared-changed" && e.key === key && e.value === value,
      `config ${key}=${value} at ${base}`,
      timeoutMs,
    );
  } finally {
    events.close();
  }
}

/** Polls `check` until it holds or `timeoutMs` passes (for state no event announces). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("cluster-scoped config on real agents (loopback)", () => {
  it("outlives the writer, reaches a later joiner, and concurrent writers end with one winner; stats aggregate every live agent", async () => {
    const a = await new AgentHandle(agentArgs("a")).ready();
    const b = await new AgentHandle(agentArgs("b", a)).ready();
    const c = await new AgentHandle(agentArgs("c", a)).ready();
    await eventually("c sees 3 members", async () => {
      const r = await getJson<{ members: unknown[] }>(c.http, "/v1/members?status=alive");
      return r.body.members.length === 3;
    });

    const set = await runCliProcess([
      "config",
      "set",
      "flags/checkout",
      "on",
      "--http",
      a.httpAddress,
    ]);
    expect(set.code).toBe(0);
    expect((await runCliProcess(["set", "own", "1", "--http", a.httpAddress])).code).toBe(0);
    await waitForConfig(b.http, "flags/checkout", "on");
    await waitForConfig(c.http, "flags/checkout", "on");

    // a dies; once its own keys are dropped (dead-owner grace 2 s), the flag is still there.
    a.kill("SIGKILL");
    await eventually("b dropped a's own keys", async () => {
      const r = await getJson<{ entries: Array<{ node: string }> }>(b.http, "/v1/kv");
      return !r.body.entries.some((e) => e.node === "a");
    });
    for (const agent of [b, c]) {
      const got = await runCliProcess([
        "config",
        "get",
        "flags/checkout",
        "--http",
        agent.httpAddress,
      ]);
      expect(got).toMatchObject({ code: 0, stdout: "on\n" });
    }

    // A new agent joining later learns the whole configuration.
    const d = await new AgentHandle(agentArgs("d", b)).ready();
    await waitForConfig(d.http, "flags/checkout", "on");
    const absent = await runCliProcess(["config", "get", "flags/none", "--http", d.httpAddress]);
    expect(absent).toMatchObject({ code: 1, stdout: "" });

    // Two agents write one key at once: every agent ends with the same winner.
    await Promise.all([
      runCliProcess(["config", "set", "flags/race", "from-b", "--http", b.httpAddress]),
      runCliProcess(["config", "set", "flags/race", "from-c", "--http", c.httpAddress]),
    ]);
    let winner = "";
    await eventually("one winner everywhere", async () => {
      const values = await Promise.all(
        [b, c, d].map(
          async (x) =>
            (await getJson<{ value?: string }>(x.http, "/v1/config/flags/race")).body.value,
        ),
      );
      winner = values[0] ?? "";
      return winner !== "" && values.every((v) => v === winner);
    });
    expect(["from-b", "from-c"]).toContain(winner);
    const list = await runCliProcess(["config", "list", "flags/", "--http", d.httpAddress]);
    expect(list.stdout).toContain("flags/checkout");
    expect(list.stdout).toContain("flags/race");

    // Every agent publishes its own samples; any agent aggregates over all live ones (not a).
    await eventually("rss_mb from b, c and d on d", async () => {
      const r = await getJson<{ nodes?: string[] }>(d.http, "/v1/stats/rss_mb");
      return r.status === 200 && r.body.nodes?.join(",") === "b,c,d";
    });
    const stats = await runCliProcess(["stats", "--http", c.httpAddress]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/rss_mb\s+3\s/);
    const metrics = await fetch(`${c.http}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/grapevine_stat\{name="rss_mb",aggregate="count"\} 3/);

    for (const x of [b, c, d]) x.kill("SIGTERM");
    for (const x of [b, c, d]) await x.exit();
  }, 120_000);
});
