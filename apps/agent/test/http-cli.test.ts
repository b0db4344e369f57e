import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashToken } from "../src/http-tokens.js";
import { AgentHandle, killAll, runCliProcess } from "./helpers/cli-process.js";
import { send } from "./helpers/raw-http.js";

const dir = mkdtempSync(join(tmpdir(), "grapevine-http-cli-"));

afterAll(() => killAll());

function tokenFile(path: string, entries: [name: string, scope: string, token: string][]) {
  writeFileSync(
    path,
    JSON.stringify({
      tokens: entries.map(([name, scope, token]) => ({ name, scope, sha256: hashToken(token) })),
    }),
  );
}

describe("grapevine agent and the API's safe defaults", () => {
  it("refuses --http 0.0.0.0:7950 without tokens: exit 2 and a message that says how to fix it", async () => {
    const r = await runCliProcess(["agent", "--http", "0.0.0.0:7950"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^grapevine: --http http:\/\/0\.0\.0\.0:7950: the HTTP API would be open to anyone/,
    );
    expect(lines[0]).toMatch(/--http-token-file FILE/);
    expect(lines[0]).toMatch(/--http-insecure/);
    const env = await runCliProcess(["agent"], { env: { GRAPEVINE_HTTP: "[::]:7950" } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^grapevine: GRAPEVINE_HTTP http:\/\/\[::\]:7950: /);
  });

  it("a bad token file is exit 2 naming the flag and the entry", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"tokens": [{"name": "ops", "scope": "admin", "sha256": "00"}]}');
    const r = await runCliProcess(["agent", "--http", "127.0.0.1:0", "--http-token-file", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^grapevine: --http-token-file .*bad\.json: tokens\[0\] \(ops\): scope must be one of read, write, keys\n$/,
    );
  });

  it("reloads the token file on SIGHUP without a restart", async () => {
    const file = join(dir, "tokens.json");
    const first = randomBytes(24).toString("hex");
    const second = randomBytes(24).toString("hex");
    tokenFile(file, [["first", "read", first]]);
    const agent = await new AgentHandle([
      "--name",
      "hup",
      "--bind",
      "udp://127.0.0.1:0",
      "--http",
      "127.0.0.1:0",
      "--preset",
      "local",
      "--http-token-file",
      file,
    ]).ready();
    const whoami = (token: string) =>
      send(agent.http, "GET", "/v1/whoami", { authorization: `Bearer ${token}` });
    expect((await whoami(first)).json).toEqual({ who: "token:first", scope: "read" });
    expect((await whoami(second)).status).toBe(401);
    tokenFile(file, [["second", "write", second]]);
    agent.kill("SIGHUP");
    await agent.waitLog(/reloaded the API token file/);
    expect((await whoami(second)).json).toEqual({ who: "token:second", scope: "write" });
    expect((await whoami(first)).status).toBe(401);
    // The hang-up did not stop the agent; SIGTERM still leaves gracefully.
    agent.kill("SIGTERM");
    expect((await agent.exit()).code).toBe(0);
    expect(agent.stderr).not.toContain(first);
    expect(agent.stderr).not.toContain(second);
  });
});
