import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keyring } from "@grapevine/cluster";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyOpReport } from "../src/key-ops.js";
import { SseParser } from "../src/sse-parser.js";
import { runCliInProcess } from "./helpers/cli-in-process.js";
import {
  AgentHandle,
  getJson,
  killAll,
  type StreamedEvent,
  waitForKey,
  waitForMember,
} from "./helpers/cli-process.js";

const LOCAL = ["--bind", "udp://127.0.0.1:0", "--http", "127.0.0.1:0", "--preset", "local"];

function newKey(): string {
  return Buffer.from(Keyring.generateKey()).toString("base64");
}

const K1 = newKey();
const K2 = newKey();
const WRONG = newKey();
const ROLLOUT = newKey();
const KEYS = [K1, K2, WRONG, ROLLOUT];

/** Everything any agent, command, route or event stream printed: checked for keys at the end. */
const printed: string[] = [];
const handles: AgentHandle[] = [];
const recorders: Array<{ events: StreamedEvent[]; raw: string[]; close: () => void }> = [];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "grapevine-keys-"));
}

async function startAgent(
  name: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<AgentHandle> {
  const h = new AgentHandle(["--name", name, ...LOCAL, ...args], env);
  handles.push(h);
  return h.ready();
}

/** Runs a client command in this process (against real agents), capturing its output. */
async function cli(args: string[], stdin?: string) {
  const r = await runCliInProcess(args, stdin === undefined ? {} : { stdin });
  printed.push(r.stdout, r.stderr);
  return r;
}

/** Records every event an agent streams until it stops; resolves once the stream is open. */
async function record(h: AgentHandle) {
  const controller = new AbortController();
  const res = await fetch(`${h.http}/v1/events`, { signal: controller.signal });
  const rec = {
    events: [] as StreamedEvent[],
    raw: [] as string[],
    close: () => controller.abort(),
  };
  recorders.push(rec);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        rec.raw.push(text);
        for (const e of parser.push(text)) rec.events.push(JSON.parse(e.data) as StreamedEvent);
      }
    } catch {
      // Closed by the test.
    }
  })();
  return rec;
}

/** Waits until every agent sees every other one alive. */
async function allAlive(agents: readonly AgentHandle[]): Promise<void> {
  await Promise.all(
    agents.flatMap((h) =>
      agents.filter((o) => o !== h).map((o) => waitForMember(h.http, o.name, "alive", 20_000)),
    ),
  );
}

async function memberNames(h: AgentHandle): Promise<string[]> {
  const { body } = await getJson<{ members: { name: string }[] }>(h.http, "/v1/members");
  return body.members.map((m) => m.name);
}

interface Info {
  counters: { cluster: { drops: Record<string, number> } };
  config: { encryption: string; keyringFile: string | null };
  keyring: { primary: string; installed: string[] } | null;
}

async function info(h: AgentHandle): Promise<Info> {
  const { body } = await getJson<Info>(h.http, "/v1/info");
  printed.push(JSON.stringify(body));
  return body;
}

async function metrics(h: AgentHandle): Promise<string> {
  const text = await (await fetch(`${h.http}/metrics`)).text();
  printed.push(text);
  return text;
}

function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Member events about `names` that no step of these tests should ever cause. */
function deaths(names?: readonly string[]): StreamedEvent[] {
  return recorders
    .flatMap((r) => r.events)
    .filter(
      (e) =>
        e.type === "member-dead" && (names === undefined || names.includes(e.member?.name ?? "")),
    );
}

async function post(h: AgentHandle, path: string, body: unknown) {
  const res = await fetch(h.http + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as { error?: { code: string; message: string } };
  printed.push(JSON.stringify(json));
  return { status: res.status, body: json };
}

afterAll(() => {
  for (const r of recorders) r.close();
  killAll();
});

describe("an encrypted cluster", () => {
  const dir = tempDir();
  const file = (name: string) => join(dir, `${name}.keyring.json`);
  let a: AgentHandle;
  let b: AgentHandle;
  let c: AgentHandle;

  beforeAll(async () => {
    a = await startAgent("alpha", ["--encrypt", K1, "--keyring", file("alpha")]);
    const seed = a.addresses[0]!;
    // The key through the environment for one of them, as a service manager would pass it.
    [b, c] = await Promise.all([
      startAgent("bravo", ["--keyring", file("bravo"), "--join", seed], {
        GRAPEVINE_ENCRYPT: K1,
      }),
      startAgent("charlie", ["--encrypt", K1, "--keyring", file("charlie"), "--join", seed]),
    ]);
    for (const h of [a, b, c]) await record(h);
    await allAlive([a, b, c]);
  });

  it("forms with one key and never admits a wrong key, another label or plaintext", async () => {
    expect((await info(a)).config.encryption).toBe("required");
    expect((await info(a)).keyring?.primary).toBe(Keyring.fingerprint(K1));
    const text = await cli(["info", "--http", b.httpAddress]);
    expect(text.stdout).toMatch(
      new RegExp(`encryption +required, 1 key \\(primary ${Keyring.fingerprint(K1)}\\), keyring /`),
    );
    const before = (await info(a)).counters.cluster.drops.decrypt ?? 0;
    const seed = ["--join", a.addresses[0]!];
    const strangers = await Promise.all([
      startAgent("wrong-key", ["--encrypt", WRONG, ...seed]),
      startAgent("other-label", ["--encrypt", K1, "--label", "other", ...seed]),
      startAgent("plaintext", seed),
    ]);
    // Each has tried (and failed) to join through alpha at least once.
    await Promise.all(strangers.map((s) => s.waitLog(/no seed answered; retrying/)));
    const after = await info(a);
    expect(after.counters.cluster.drops.decrypt).toBeGreaterThanOrEqual(before + 3);
    // The strangers keep retrying, so the counter may only have grown since.
    expect(
      metric(await metrics(a), 'grapevine_dropped_packets_total{reason="decrypt"}'),
    ).toBeGreaterThanOrEqual(after.counters.cluster.drops.decrypt ?? 0);
    for (const s of strangers) {
      expect(await memberNames(s)).toEqual([s.name]);
      s.kill("SIGKILL");
    }
    const names = strangers.map((s) => s.name);
    for (const h of [a, b, c]) {
      expect(await memberNames(h)).toEqual(["alpha", "bravo", "charlie"]);
    }
    // Not even for a moment: nobody ever heard of them.
    const heard = recorders
      .flatMap((r) => r.events)
      .filter((e) => names.includes(e.member?.name ?? ""));
    expect(heard).toEqual([]);
  });

  it("answers bad key requests with a clear error and no key in it", async () => {
    expect((await post(a, "/v1/keys/install", {})).status).toBe(400);
    expect((await post(a, "/v1/keys/install", "{not json")).status).toBe(400);
    const short = Buffer.from(Keyring.generateKey()).subarray(0, 10).toString("base64");
    const bad = await post(a, "/v1/keys/install", { key: short });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe("bad-request");
    expect(bad.body.error?.message).toMatch(/10 bytes; a key is 16, 24 or 32 bytes/);
    expect(JSON.stringify(bad.body)).not.toContain(short);
    expect((await fetch(`${a.http}/v1/keys/install`)).status).toBe(405);
    expect((await fetch(`${a.http}/v1/keys/rotate`, { method: "POST" })).status).toBe(404);
    // `use` of a key nobody holds is refused before anything is sent.
    const use = await cli(["keys", "use", K2, "--http", a.httpAddress]);
    expect(use.code).toBe(1);
    expect(use.stderr).toMatch(
      /refusing to use key [0-9a-f]{16}: alpha lacks it; .*bravo lacks it/,
    );
  });

  it("rotates K1 to K2 on every member with no downtime; a restart needs only its keyring file", async () => {
    const fp1 = Keyring.fingerprint(K1);
    const fp2 = Keyring.fingerprint(K2);

    const list = await cli(["keys", "list", "--http", b.httpAddress]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain("3 of 3 members answered");
    expect(list.stdout).toMatch(new RegExp(`${fp1}\\s+3/3\\s+3/3 \\(all\\)`));

    // 1. Install K2 everywhere (read from standard input: it never shows in a process list).
    const install = await cli(["keys", "install", "-", "--http", a.httpAddress], `${K2}\n`);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain(`key ${fp2} installed on 3 of 3 members`);
    expect(install.stdout).toMatch(/alpha\s+ok\n.*bravo\s+ok\n.*charlie\s+ok/s);

    // Removing K1 now would cut everyone off: refused, nothing sent.
    const early = await cli(["keys", "remove", K1, "--http", a.httpAddress]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/refusing to remove key .*alpha still seals with it/);

    // 2. Use K2 everywhere.
    const use = await cli(["keys", "use", K2, "--json", "--http", c.httpAddress]);
    expect(use.code, use.stderr).toBe(0);
    const used = JSON.parse(use.stdout) as KeyOpReport;
    expect(used).toMatchObject({
      op: "use",
      fingerprint: fp2,
      members: 3,
      acked: ["alpha", "bravo", "charlie"],
      failed: [],
      missing: [],
    });

    // 3. Remove K1 everywhere.
    const remove = await cli(["keys", "remove", K1, "--json", "--http", b.httpAddress]);
    expect(remove.code, remove.stderr).toBe(0);
    expect(JSON.parse(remove.stdout)).toMatchObject({ acked: ["alpha", "bravo", "charlie"] });

    const after = await cli(["keys", "list", "--json", "--http", a.httpAddress]);
    expect(after.code).toBe(0);
    const report = JSON.parse(after.stdout) as KeyOpReport;
    expect(report.keys).toEqual([
      { fingerprint: fp2, members: 3, primary: 3, primaryOn: ["alpha", "bravo", "charlie"] },
    ]);
    for (const name of ["alpha", "bravo", "charlie"]) {
      expect(statSync(file(name)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file(name), "utf8"))).toEqual({ keys: [K2] });
    }

    // The cluster still talks, under K2 only.
    await cli(["set", "rotated", "yes", "--http", a.httpAddress]);
    await waitForKey(c.http, "alpha", "rotated", "yes");
    for (const h of [a, b, c]) expect((await info(h)).keyring?.installed).toEqual([fp2]);

    // A restart with nothing but the keyring file (now K2) rejoins.
    c.kill("SIGTERM");
    expect((await c.exit()).code).toBe(0);
    await waitForMember(a.http, "charlie", "left");
    c = await startAgent("charlie", ["--keyring", file("charlie"), "--join", a.addresses[0]!]);
    await record(c);
    await allAlive([a, b, c]);
    expect((await info(c)).keyring?.primary).toBe(fp2);

    // Nobody was ever declared dead.
    expect(deaths()).toEqual([]);
  });
});

describe("turning encryption on in a running cluster, without a flag day", () => {
  it("moves three plaintext agents to open-only, accept-plaintext, then required, one restart at a time", async () => {
    const names = ["p1", "p2", "p3"];
    const first = await startAgent("p1", []);
    const rest = await Promise.all(
      ["p2", "p3"].map((n) => startAgent(n, ["--join", first.addresses[0]!])),
    );
    const agents: AgentHandle[] = [first, ...rest];
    for (const h of agents) await record(h);
    await allAlive(agents);

    // No keyring: key material would travel in plaintext, so it is never sent.
    const refused = await cli(["keys", "install", ROLLOUT, "--http", first.httpAddress]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^grapevine: this agent has no keyring: the cluster is not encrypted/,
    );

    // A plaintext agent with another label is kept out too, and counted as label-mismatch.
    const stray = await startAgent("stray", ["--label", "other", "--join", first.addresses[0]!]);
    await stray.waitLog(/no seed answered; retrying/);
    expect((await info(first)).counters.cluster.drops["label-mismatch"]).toBeGreaterThan(0);
    expect(
      metric(await metrics(first), 'grapevine_dropped_packets_total{reason="label-mismatch"}'),
    ).toBeGreaterThan(0);
    stray.kill("SIGKILL");
    expect(await memberNames(first)).toEqual(names);

    for (const mode of ["open-only", "accept-plaintext", "required"]) {
      for (let i = 0; i < agents.length; i++) {
        const old = agents[i]!;
        const others = agents.filter((h) => h !== old);
        old.kill("SIGTERM");
        expect((await old.exit()).code).toBe(0);
        await Promise.all(others.map((h) => waitForMember(h.http, old.name, "left")));
        const joins = others.flatMap((h) => ["--join", h.addresses[0]!]);
        const next = await startAgent(old.name, [...joins, "--encryption", mode], {
          GRAPEVINE_ENCRYPT: ROLLOUT,
        });
        agents[i] = next;
        await record(next);
        await allAlive(agents);
        expect((await info(next)).config.encryption).toBe(mode);
        for (const h of agents) expect((await memberNames(h)).sort()).toEqual(names);
      }
      if (mode === "open-only") {
        // Key material would go out in plaintext: refused until every member is `required`.
        const early = await cli(["keys", "install", K2, "--http", agents[0]!.httpAddress]);
        expect(early.code).toBe(1);
        expect(early.stderr).toMatch(/encryption mode is open-only: .*--encryption required/);
      }
    }

    // Everyone now seals with the one key and accepts nothing else.
    const list = await cli(["keys", "list", "--json", "--http", agents[1]!.httpAddress]);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as KeyOpReport).keys).toEqual([
      {
        fingerprint: Keyring.fingerprint(ROLLOUT),
        members: 3,
        primary: 3,
        primaryOn: names,
      },
    ]);
    expect(deaths(names)).toEqual([]);
  }, 120_000);
});

describe("key material", () => {
  it("never appears in any output: logs, ready lines, commands, routes, metrics or events", () => {
    const everything = [
      ...printed,
      ...handles.flatMap((h) => [h.stdout, h.stderr]),
      ...recorders.flatMap((r) => r.raw),
    ].join("\n");
    expect(everything.length).toBeGreaterThan(10_000);
    for (const key of KEYS) {
      const bytes = Buffer.from(key, "base64");
      for (const form of [key, key.replace(/=+$/, ""), bytes.toString("hex")]) {
        expect(everything.includes(form), "a key was printed").toBe(false);
      }
    }
  });
});
