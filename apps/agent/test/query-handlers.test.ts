/**
 * Query handlers declared in the agent's config (Serf's event-handler model): a command gets the
 * payload on standard input and its output is the answer, within a time limit and an output limit.
 * Three real agents on loopback.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../src/agent.js";
import { configProblems } from "../src/commands/validate.js";
import { resolveConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { runCliInProcess } from "./helpers/cli-in-process.js";
import { waitForMember } from "./helpers/cli-process.js";

const HANDLERS = [
  { name: "echo", command: `printf '%s:' "$GRAPEVINE_SELF_NAME"; cat` },
  { name: "origin", command: ["/bin/sh", "-c", 'printf "%s" "$GRAPEVINE_QUERY_ORIGIN"'] },
  { name: "slow", command: "sleep 30; echo late", timeout: "300ms" },
  { name: "chatty", command: "head -c 5000 /dev/zero", maxOutputBytes: 100 },
  { name: "failing", command: "echo partial; exit 3" },
];

function config(name: string, flags: Record<string, unknown> = {}, handlers: unknown = HANDLERS) {
  return resolveConfig({
    flags: { name, bind: ["udp://127.0.0.1:0"], http: "127.0.0.1:0", preset: "local", ...flags },
    env: {},
    file: { path: "agent.yaml", data: { queryHandlers: handlers } },
    hostname: "unused",
  });
}

async function run(args: string[]) {
  return runCliInProcess(args);
}

const silent = createLogger("silent", false);
const agents: Agent[] = [];
let a: Agent;

beforeAll(async () => {
  a = await Agent.start(config("qh-a"), silent);
  agents.push(a);
  for (const n of ["qh-b", "qh-c"]) {
    agents.push(await Agent.start(config(n, { join: a.cluster.addresses }), silent));
  }
  for (const agent of agents) {
    for (const n of ["qh-a", "qh-b", "qh-c"]) await waitForMember(agent.httpUrl, n, "alive");
  }
}, 60_000);

afterAll(async () => {
  for (const agent of agents) {
    await agent.shutdown();
    await agent.close();
  }
});

async function runs(agent: Agent, name: string, result: string): Promise<number> {
  const text = await (await fetch(`${agent.httpUrl}/metrics`)).text();
  const line = new RegExp(
    `^grapevine_query_handler_runs_total\\{name="${name}",result="${result}"\\} (\\d+)$`,
    "m",
  ).exec(text);
  return Number(line?.[1] ?? 0);
}

describe("query handlers from the agent's config", () => {
  it("answer with the command's output, the payload on its standard input", async () => {
    const r = await run(["query", "echo", "hello", "--timeout", "3s", "--http", a.httpUrl]);
    expect(r.code).toBe(0);
    for (const n of ["qh-a", "qh-b", "qh-c"]) {
      expect(r.stdout).toMatch(new RegExp(`^${n} ${n}:hello$`, "m"));
    }
    expect(r.stdout).toMatch(/responses: 3 of 3\n$/);
    const origin = await run(["query", "origin", "--timeout", "3s", "--http", agents[1]!.httpUrl]);
    for (const n of ["qh-a", "qh-b", "qh-c"]) expect(origin.stdout).toMatch(`${n} qh-b\n`);
  });

  it("a command over its time limit is killed and answers nothing; every member still acks", async () => {
    const started = Date.now();
    const r = await run(["query", "slow", "--timeout", "2s", "--json", "--http", a.httpUrl]);
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(summary).toMatchObject({ event: "summary", responded: [] });
    expect(summary.acked).toHaveLength(3);
    expect(summary.missing).toEqual(["qh-a", "qh-b", "qh-c"]);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const agent of agents) expect(await runs(agent, "slow", "timeout")).toBe(1);
  });

  it("more output than allowed, or a failing command, answers nothing and is counted", async () => {
    for (const name of ["chatty", "failing"]) {
      const r = await run(["query", name, "--timeout", "2s", "--json", "--http", a.httpUrl]);
      const summary = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
      expect(summary.responded, name).toEqual([]);
      expect(summary.acked, name).toHaveLength(3);
    }
    for (const agent of agents) {
      expect(await runs(agent, "chatty", "too-large")).toBe(1);
      expect(await runs(agent, "failing", "failed")).toBe(1);
      expect(await runs(agent, "echo", "answered")).toBe(1);
    }
  });

  it("SIGHUP's reload replaces them", async () => {
    a.reloadConfig(
      config("qh-a", { logLevel: "silent" }, [{ name: "echo", command: "echo replaced" }]),
    );
    const r = await run([
      "query",
      "echo",
      "x",
      "--node",
      "qh-a",
      "--timeout",
      "2s",
      "--http",
      a.httpUrl,
    ]);
    expect(r.stdout).toMatch(/^qh-a replaced$/m);
    const gone = await run(
      ["query", "chatty", "--node", "qh-a", "--timeout", "1s", "--json"].concat([
        "--http",
        a.httpUrl,
      ]),
    );
    expect(JSON.parse(gone.stdout.trim().split("\n").at(-1) ?? "{}").responded).toEqual([]);
    expect(await runs(a, "chatty", "too-large")).toBe(1);
  });
});

describe("query handler configuration", () => {
  it("names the entry and field of every problem; validate reports each", () => {
    const bad = (handlers: unknown) => {
      try {
        config("x", {}, handlers);
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(bad({ name: "x" })).toMatch(/queryHandlers: expected a list/);
    expect(bad([{ command: "true" }])).toMatch(/queryHandlers\[0\]\.name: expected/);
    expect(bad([{ name: "ping", command: "true" }])).toMatch(
      /queryHandlers\[0\]\.name: "ping" is built in/,
    );
    expect(bad([{ name: "_grapevine-keys-list", command: "true" }])).toMatch(/reserved/);
    expect(bad([{ name: "a", command: "" }])).toMatch(/queryHandlers\[0\]\.command: empty/);
    expect(bad([{ name: "a", command: [1] }])).toMatch(/\.command: expected the program/);
    expect(bad([{ name: "a", command: "true", timeout: "2m" }])).toMatch(
      /queryHandlers\[0\]\.timeout: must be between 1ms and 60s/,
    );
    expect(bad([{ name: "a", command: "true", maxOutputBytes: 4096 }])).toMatch(
      /queryHandlers\[0\]\.maxOutputBytes: at most 1024/,
    );
    expect(bad([{ name: "a", command: "true", shell: "bash" }])).toMatch(/unknown key "shell"/);
    expect(
      bad([
        { name: "a", command: "true" },
        { name: "a", command: "false" },
      ]),
    ).toMatch(/queryHandlers\[1\]\.name: a second handler for query "a"/);

    const dir = mkdtempSync(join(tmpdir(), "qh-"));
    const file = join(dir, "agent.json");
    writeFileSync(
      file,
      JSON.stringify({
        preset: "nope",
        queryHandlers: [{ name: "a", command: "true", timeout: 0 }],
      }),
    );
    const problems = configProblems(file);
    expect(problems).toHaveLength(2);
    expect(problems[1]).toMatch(/queryHandlers\[0\]\.timeout/);
  });
});
