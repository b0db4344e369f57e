import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { configProblems } from "../src/commands/validate.js";
import { AgentHandle, getJson, killAll, runCliProcess } from "./helpers/cli-process.js";

afterAll(() => killAll());

describe("SIGHUP", () => {
  it("reloads tags and the log level from the config file; a bad file changes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grapevine-reload-"));
    const file = join(dir, "agent.json");
    const write = (config: Record<string, unknown>) =>
      writeFileSync(
        file,
        JSON.stringify({
          name: "reload-a",
          bind: ["udp://127.0.0.1:0"],
          http: "127.0.0.1:0",
          preset: "local",
          ...config,
        }),
      );
    write({ tags: { role: "web" }, logLevel: "info" });
    const agent = await new AgentHandle(["--config", file, "--log-json"]).ready();
    write({ tags: { role: "db", zone: "eu" }, logLevel: "debug" });
    agent.child.kill("SIGHUP");
    await agent.waitLog(/reloaded tags, log level, join seeds and query handlers/);
    expect((await getJson<{ tags: object }>(agent.http, "/v1/tags")).body.tags).toEqual({
      role: "db",
      zone: "eu",
    });
    writeFileSync(file, "{ not json");
    agent.child.kill("SIGHUP");
    await agent.waitLog(/the configuration is not valid; nothing reloaded/);
    expect((await getJson<{ tags: object }>(agent.http, "/v1/tags")).body.tags).toEqual({
      role: "db",
      zone: "eu",
    });
  });
});

describe("grapevine validate", () => {
  it("reports every problem with its key and exits 2; a good file exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grapevine-validate-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "bind: [ftp://x]\npreset: fast\ntags: {role: web}\nlogLevel: loud\n");
    const r = await runCliProcess(["validate", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bind/);
    expect(r.stderr).toMatch(/preset/);
    expect(r.stderr).toMatch(/logLevel/);
    expect(r.stderr).toMatch(/3 problems/);
    const good = join(dir, "good.yaml");
    writeFileSync(good, "bind: [udp://127.0.0.1:7946]\ntags: {role: web}\n");
    expect(await runCliProcess(["validate", good])).toMatchObject({ code: 0 });
  });

  it("does not blame a key for a companion set elsewhere (advertise with its bind, encryption with its keyring)", () => {
    const dir = mkdtempSync(join(tmpdir(), "grapevine-validate-"));
    const file = join(dir, "pair.yaml");
    writeFileSync(
      file,
      "bind: [ws://0.0.0.0:7947/gossip]\nadvertise: [ws://10.0.0.11:7947/gossip]\n" +
        `keyring: ${join(dir, "keyring.json")}\nencryption: required\n`,
    );
    expect(configProblems(file)).toEqual([]);
    // A companion that is itself wrong is still reported, once, under its own key.
    writeFileSync(file, "bind: [ftp://x]\nadvertise: [ws://10.0.0.11:7947/gossip]\n");
    const problems = configProblems(file);
    expect(problems.some((p) => p.includes("bind"))).toBe(true);
  });

  it("the README's config-file example is valid", () => {
    const readme = readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), "../README.md"),
      "utf8",
    );
    const section = readme.slice(readme.indexOf("## Config file and environment"));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), "grapevine-validate-")), "agent.yaml");
    writeFileSync(file, yaml ?? "");
    expect(configProblems(file)).toEqual([]);
  });
});
