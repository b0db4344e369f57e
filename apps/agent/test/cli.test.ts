import { createSocket, type Socket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
// Shared with the transports' tests: a loopback port held unused (see its doc).
import { unusedPorts } from "../../../packages/transport-udp/test/unused-port.js";
import { runCliInProcess } from "./helpers/cli-in-process.js";
import {
  AgentHandle,
  getJson,
  killAll,
  runCliProcess,
  waitForKey,
  waitForMember,
} from "./helpers/cli-process.js";

const LOCAL = ["--bind", "udp://127.0.0.1:0", "--http", "127.0.0.1:0", "--preset", "local"];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "grapevine-agent-"));
}

/** Runs the CLI in this process with captured output (for commands that start nothing). */
async function runInProcess(args: string[], env: Record<string, string> = {}) {
  return runCliInProcess(args, { env });
}

/** Ports nobody listens on, held so that no other test can take them meanwhile. */
const nobody = unusedPorts();

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split("\n").filter((l) => l !== "");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).toMatch(/^grapevine: /);
}

const holders: Array<Server | Socket> = [];

afterEach(() => {
  killAll();
  for (const h of holders.splice(0)) h.close();
  nobody.releaseAll();
});
afterAll(killAll);

describe("usage errors", () => {
  it("bad flags, values and URLs print one line and exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [["agent", "--bogus"], /unknown option '--bogus'/],
      [["agent", "--bind", "tcp://127.0.0.1:1"], /--bind: unsupported scheme/],
      [["agent", "--bind", "udp://not-an-ip:7946"], /host must be an IP literal/],
      [["agent", "--join", "udp://[::1"], /--join: bad URL/],
      [["agent", "--http", "nowhere"], /--http: expected HOST:PORT/],
      [["agent", "--preset", "fast"], /argument 'fast' is invalid/],
      [
        ["agent", "--wire", "gossip"],
        /--wire: expected one of grapevine, memberlist, got "gossip"/,
      ],
      [
        ["agent", "--wire", "memberlist", "--bind", "ws://127.0.0.1:0"],
        /--wire memberlist: needs exactly one udp:\/\/ --bind address/,
      ],
      [["agent", "--config", "/nonexistent/agent.yaml"], /cannot read \(no such file\)/],
      [["members", "--status", "zombie"], /Allowed choices are alive, suspect, dead, left/],
      [["set", "only-key"], /missing required argument 'value'/],
      [["tags", "set", "novalue"], /expected KEY=VALUE/],
      [["frobnicate"], /unknown command 'frobnicate'/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runInProcess(args);
      expect(r.code, args.join(" ")).toBe(2);
      expectOneLine(r.stderr, pattern);
    }
    const env = await runInProcess(["agent"], {
      GRAPEVINE_BIND: "udp://127.0.0.1:1,udp://127.0.0.1:2",
    });
    expect(env.code).toBe(2);
    expectOneLine(env.stderr, /GRAPEVINE_BIND: one address per transport/);
    // The same through a real process: the exit code is what the shell sees.
    const real = await runCliProcess(["agent", "--bind", "ftp://127.0.0.1:1"]);
    expect(real.code).toBe(2);
    expectOneLine(real.stderr, /--bind: unsupported scheme/);
    const help = await runCliProcess(["agent", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--join-timeout <duration>/);
  });

  it("an unreachable agent is one line and exit 3", async () => {
    const port = await nobody.next();
    for (const args of [["members"], ["kv"], ["set", "k", "v"], ["info", "--json"], ["leave"]]) {
      const r = await runInProcess([...args, "--http", `127.0.0.1:${port}`]);
      expect(r.code, args.join(" ")).toBe(3);
      expectOneLine(
        r.stderr,
        /cannot reach the agent at http:\/\/127\.0\.0\.1:\d+: connection refused/,
      );
    }
    const viaEnv = await runCliProcess(["members"], {
      env: { GRAPEVINE_HTTP: `127.0.0.1:${port}` },
    });
    expect(viaEnv.code).toBe(3);
    expectOneLine(viaEnv.stderr, new RegExp(`cannot reach the agent at http://127.0.0.1:${port}`));
  });
});

describe("runtime failures", () => {
  it("an occupied HTTP or gossip port is one line and exit 1", async () => {
    const tcp = createServer();
    holders.push(tcp);
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    const httpPort = (tcp.address() as { port: number }).port;
    const udp = createSocket("udp4");
    holders.push(udp);
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    const udpPort = udp.address().port;

    const [http, gossip] = await Promise.all([
      runCliProcess(["agent", "--bind", "udp://127.0.0.1:0", "--http", `127.0.0.1:${httpPort}`]),
      runCliProcess(["agent", "--bind", `udp://127.0.0.1:${udpPort}`, "--http", "127.0.0.1:0"]),
    ]);
    expect(http.code).toBe(1);
    expectOneLine(
      http.stderr,
      new RegExp(`cannot listen on http://127.0.0.1:${httpPort}: address already in use`),
    );
    expect(gossip.code).toBe(1);
    expectOneLine(
      gossip.stderr,
      new RegExp(`cannot bind udp://127.0.0.1:${udpPort}: address already in use`),
    );
  });

  it("--join with nobody answering gives up after --join-timeout with exit 1", async () => {
    const port = await nobody.next();
    const r = await runCliProcess([
      "agent",
      ...LOCAL,
      "--name",
      "lonely",
      "--join",
      `udp://127.0.0.1:${port}`,
      "--join-timeout",
      "1s",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^agent lonely listening on udp:\/\/127\.0\.0\.1:\d+, http http:/);
    const last = r.stderr.trimEnd().split("\n").at(-1);
    expect(last).toBe(
      `grapevine: could not join any of udp://127.0.0.1:${port} within 1.0s (${/\((\d+) attempts\)/.exec(last ?? "")?.[1]} attempts)`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("seeds by name", () => {
  it("joins through udp://localhost:PORT, resolved like any seed name", async () => {
    const a = await new AgentHandle([...LOCAL, "--name", "a"]).ready();
    const port = /:(\d+)$/.exec(a.addresses[0] ?? "")?.[1];
    const b = await new AgentHandle([
      ...LOCAL,
      "--name",
      "b",
      "--join",
      `udp://localhost:${port}`,
      "--join-timeout",
      "20s",
    ]).ready();
    await waitForMember(b.http, "a", "alive");
  });

  it("--join-max-attempts gives up with exit 1, having logged each seed's cause", async () => {
    // Only loopback names here (localhost is in /etc/hosts): no query leaves the machine. Names
    // that do not resolve are covered with a fake resolver in seed-discovery.test.ts.
    const port = await nobody.next();
    const r = await runCliProcess([
      "agent",
      ...LOCAL,
      "--name",
      "lonely",
      "--join",
      `udp://localhost:${port}`,
      "--join-max-attempts",
      "2",
      "--join-retry-interval",
      "100ms",
    ]);
    expect(r.code).toBe(1);
    const last = r.stderr.trimEnd().split("\n").at(-1);
    expect(last).toBe(`grapevine: could not join any of udp://localhost:${port} in 2 attempts`);
    const causes = r.stderr.split("\n").filter((l) => l.includes("seed did not answer"));
    expect(causes, r.stderr).toHaveLength(2);
    for (const line of causes) {
      expect(line).toMatch(
        new RegExp(
          `seed=udp://localhost:${port} address=udp://127\\.0\\.0\\.1:${port} cause=.*ECONNREFUSED`,
        ),
      );
    }
  });
});

describe("the data dir lock", () => {
  it("a second agent on a data dir in use exits 2 naming the holder; stopping frees it", async () => {
    const dataDir = tempDir();
    const lockFile = join(dataDir, "LOCK");
    const first = await new AgentHandle([
      ...LOCAL,
      "--name",
      "first",
      "--data-dir",
      dataDir,
    ]).ready();
    const pid = first.child.pid;
    expect(JSON.parse(readFileSync(lockFile, "utf8"))).toEqual({ pid, name: "first" });

    const second = await runCliProcess(["agent", ...LOCAL, "--name", "second"], {
      env: { GRAPEVINE_DATA_DIR: dataDir },
    });
    expect(second.code).toBe(2);
    expect(second.stdout).toBe("");
    expectOneLine(second.stderr, /is in use by another agent/);
    expect(second.stderr).toContain(
      `data dir ${dataDir} is in use by another agent (pid ${pid}, node first)`,
    );

    first.kill("SIGTERM");
    expect((await first.exit()).code).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe("config file, environment and flags in a real agent", () => {
  it("applies flags over env over file, and starts fresh from a corrupt snapshot", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "snapshot.json"), "{ this is not a snapshot");
    const configPath = join(tempDir(), "agent.yaml");
    writeFileSync(
      configPath,
      [
        "name: from-file",
        "preset: local",
        `dataDir: ${dataDir}`,
        "tags:",
        "  role: from-file",
        "  zone: from-file",
        "bind: udp://127.0.0.1:0",
        "http: 127.0.0.1:1", // replaced by the flag
      ].join("\n"),
    );
    const agent = new AgentHandle(
      ["--config", configPath, "--http", "127.0.0.1:0", "--tag", "role=from-flag"],
      {
        GRAPEVINE_NAME: "from-env",
      },
    );
    await agent.ready();
    expect(agent.name).toBe("from-env");
    await agent.waitLog(/WARN .*snapshot is unreadable or corrupt; ignoring it and starting fresh/);
    const { body } = await getJson<{ members: { name: string; tags: Record<string, string> }[] }>(
      agent.http,
      "/v1/members",
    );
    expect(body.members[0]).toMatchObject({
      name: "from-env",
      tags: { role: "from-flag", zone: "from-file" },
    });
    const info = await getJson<{ config: { preset: string; dataDir: string } }>(
      agent.http,
      "/v1/info",
    );
    expect(info.body.config).toMatchObject({ preset: "local", dataDir });
  });
});

describe("a cluster of agents driven by the client commands", () => {
  it("joins, spreads keys, survives a crash with its snapshot, and leaves gracefully", async () => {
    const dirB = tempDir();
    const a = await new AgentHandle([...LOCAL, "--name", "alpha", "--tag", "role=seed"]).ready();
    const seed = a.addresses[0]!;
    const [b, c] = await Promise.all([
      new AgentHandle([...LOCAL, "--name", "bravo", "--join", seed, "--data-dir", dirB]).ready(),
      new AgentHandle([...LOCAL, "--name", "charlie", "--join", seed, "--log-json"]).ready(),
    ]);
    await Promise.all([
      waitForMember(a.http, "bravo", "alive"),
      waitForMember(a.http, "charlie", "alive"),
    ]);

    const members = await runCliProcess(["members", "--http", a.httpAddress]);
    expect(members.code).toBe(0);
    const rows = members.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^NAME\s+STATUS\s+ADDRESS\s+TAGS$/);
    expect(rows.slice(1).map((r) => r.split(/\s{2,}/).slice(0, 2))).toEqual([
      ["alpha (this agent)", "alive"],
      ["bravo", "alive"],
      ["charlie", "alive"],
    ]);
    expect(rows[1]).toMatch(/role=seed$/);
    // --log-json: pino JSON lines on stderr.
    expect(JSON.parse(c.stderr.split("\n")[0] ?? "")).toMatchObject({
      level: 30,
      msg: expect.any(String),
    });

    const watcher = await startWatch(a.httpAddress);

    const set = await runCliProcess(["set", "greeting", "hello", "--http", b.httpAddress]);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^bravo: set greeting \(version \d+\)\n$/);
    await waitForKey(a.http, "bravo", "greeting", "hello");
    const line = await watcher.waitOutput("a watch line", () =>
      watcher.stdout.split("\n").find((l) => l.includes('"key":"greeting"')),
    );
    expect(JSON.parse(line)).toMatchObject({
      type: "key-changed",
      node: "bravo",
      key: "greeting",
      value: "hello",
    });
    watcher.kill("SIGINT");
    expect((await watcher.exit()).code).toBe(0);

    const get = await runCliProcess(["get", "bravo", "greeting", "--http", a.httpAddress]);
    expect(get).toMatchObject({ code: 0, stdout: "hello\n" });
    const missing = await runCliProcess(["get", "nothing", "--http", a.httpAddress]);
    expect(missing.code).toBe(1);
    expectOneLine(missing.stderr, /no key "nothing" on alpha/);
    await waitForKey(c.http, "bravo", "greeting", "hello");
    const kv = await runCliProcess(["kv", "--http", c.httpAddress]);
    expect(kv.stdout).toMatch(/^NODE\s+KEY\s+VERSION\s+VALUE\nbravo\s+greeting\s+\d+\s+hello\n$/);

    // Crash bravo (no leave); the others declare it dead.
    const before = await getJson<{ members: { name: string; generation: number }[] }>(
      a.http,
      "/v1/members",
    );
    const oldGeneration = before.body.members.find((m) => m.name === "bravo")!.generation;
    b.kill("SIGKILL");
    await waitForMember(a.http, "bravo", "dead", 20_000);

    // Restart it from its data dir alone: no --join; it rejoins the members it knew.
    const b2 = await new AgentHandle([...LOCAL, "--name", "bravo", "--data-dir", dirB]).ready();
    await b2.waitLog(/snapshot restored/);
    await b2.waitLog(/WARN .*took over a stale data dir lock/);
    await waitForMember(a.http, "bravo", "alive");
    const getRestored = await runCliProcess(["get", "greeting", "--http", b2.httpAddress]);
    expect(getRestored).toMatchObject({ code: 0, stdout: "hello\n" });
    await waitForKey(a.http, "bravo", "greeting", "hello");
    const after = await getJson<{ members: { name: string; generation: number }[] }>(
      a.http,
      "/v1/members",
    );
    expect(after.body.members.find((m) => m.name === "bravo")!.generation).toBeGreaterThan(
      oldGeneration,
    );
    // Its new writes win over everything peers held from its earlier life.
    await runCliProcess(["set", "greeting", "hello again", "--http", b2.httpAddress]);
    await waitForKey(a.http, "bravo", "greeting", "hello again");

    // SIGTERM: graceful leave, exit 0, "left" on the others.
    c.kill("SIGTERM");
    expect((await c.exit()).code).toBe(0);
    await waitForMember(a.http, "charlie", "left");
    const left = await runCliProcess([
      "members",
      "--json",
      "--status",
      "left",
      "--http",
      a.httpAddress,
    ]);
    expect(JSON.parse(left.stdout).map((m: { name: string }) => m.name)).toEqual(["charlie"]);

    // `leave` through the API: the agent leaves and exits 0.
    const leave = await runCliProcess(["leave", "--http", b2.httpAddress]);
    expect(leave).toMatchObject({ code: 0, stdout: "agent bravo left the cluster\n" });
    expect((await b2.exit()).code).toBe(0);
    await waitForMember(a.http, "bravo", "left");
  });
});

/** Starts `grapevine watch --json` and waits until it is connected. */
async function startWatch(httpAddress: string): Promise<AgentHandle> {
  const handle = AgentHandle.command(["watch", "--json", "--http", httpAddress]);
  await handle.waitOutput("watch connected", () =>
    handle.stderr.includes("watching events") ? true : undefined,
  );
  return handle;
}
