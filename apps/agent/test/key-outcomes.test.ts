/**
 * Key operations report each member's outcome and fail unless every member asked applied them:
 * real agent processes on loopback, one paused (SIGSTOP: asked, no answer) and one killed
 * (SIGKILL: dead, so not asked, and reported as down rather than skipped in silence).
 */
import { Keyring } from "@grapevine/cluster";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./helpers/cli-in-process.js";
import { AgentHandle, killAll, waitForMember } from "./helpers/cli-process.js";

const LOCAL = ["--bind", "udp://127.0.0.1:0", "--http", "127.0.0.1:0", "--preset", "local"];
const key = () => Buffer.from(Keyring.generateKey()).toString("base64");
const K1 = key();
const agents: AgentHandle[] = [];

async function cli(args: string[]) {
  return runCliInProcess(args);
}

beforeAll(async () => {
  const env = { GRAPEVINE_ENCRYPT: K1 };
  const a = await new AgentHandle(["--name", "ko-a", ...LOCAL], env).ready();
  agents.push(a);
  for (const name of ["ko-b", "ko-c", "ko-d"]) {
    agents.push(
      await new AgentHandle(["--name", name, ...LOCAL, "--join", a.addresses[0]!], env).ready(),
    );
  }
  for (const x of agents) for (const y of agents) await waitForMember(x.http, y.name, "alive");
}, 60_000);

afterAll(() => {
  for (const h of agents) h.kill("SIGCONT");
  killAll();
});

describe("key operations, member by member", () => {
  it("fail with exit 1 and HTTP 502 naming who did not apply them; a dead member is reported down", async () => {
    const [a, , c, d] = agents as [AgentHandle, AgentHandle, AgentHandle, AgentHandle];
    d.kill("SIGKILL");
    await waitForMember(a.http, "ko-d", "dead", 30_000);
    // ko-c is paused just before: still alive or suspect to the others, so asked, and silent.
    c.kill("SIGSTOP");
    const k2 = key();
    const k3 = key();
    const [viaCli, viaHttp] = await Promise.all([
      cli(["keys", "install", k2, "--timeout", "1s", "--http", a.httpAddress]),
      fetch(`${a.http}/v1/keys/install?timeout=1s`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key: k3 }),
      }),
    ]);
    expect(viaCli.code).toBe(1);
    expect(viaCli.stdout).toMatch(/^key \S+ installed on 2 of 3 members$/m);
    expect(viaCli.stdout).toMatch(/^ko-a +ok$/m);
    expect(viaCli.stdout).toMatch(/^ko-b +ok$/m);
    expect(viaCli.stdout).toMatch(/^ko-c +no answer$/m);
    expect(viaCli.stdout).toMatch(/^ko-d +down: not asked/m);
    expect(viaCli.stderr).toBe(
      "grapevine: not every member applied it: ko-c did not answer (2 of 3 did)\n",
    );
    expect(viaHttp.status).toBe(502);
    const body = (await viaHttp.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({
      code: "not-every-member",
      message: "not every member applied it: ko-c did not answer (2 of 3 did)",
      report: {
        op: "install",
        fingerprint: Keyring.fingerprint(k3),
        members: 3,
        acked: ["ko-a", "ko-b"],
        failed: [],
        missing: ["ko-c"],
        down: ["ko-d"],
      },
    });

    c.kill("SIGCONT");
    await waitForMember(a.http, "ko-c", "alive", 20_000);
    const again = await cli(
      ["keys", "install", k2, "--json", "--timeout", "3s"].concat(["--http", a.httpAddress]),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      acked: ["ko-a", "ko-b", "ko-c"],
      missing: [],
      down: ["ko-d"],
    });
  }, 90_000);
});
