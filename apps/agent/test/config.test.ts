import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flagsLayer } from "../src/commands/agent.js";
import { resolveConfig } from "../src/config.js";
import { readConfigFile } from "../src/config-file.js";
import { parseDuration } from "../src/duration.js";
import { UsageError } from "../src/errors.js";
import { parseHttpAddress } from "../src/http-address.js";

const base = { flags: {}, env: {}, hostname: "host-a" };

function fileWith(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "grapevine-config-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("resolveConfig", () => {
  it("uses the defaults when nothing is set", () => {
    const c = resolveConfig(base);
    expect(c).toMatchObject({
      name: "host-a",
      bind: ["udp://127.0.0.1:7946"],
      advertise: [],
      join: [],
      joinTimeoutMs: 0,
      http: { host: "127.0.0.1", port: 7950 },
      preset: "lan",
      tags: {},
      dataDir: undefined,
      logLevel: "info",
      logJson: false,
    });
  });

  it("takes flags over env over file over defaults, field by field", () => {
    const path = fileWith(
      "agent.yaml",
      [
        "name: from-file",
        "bind: [udp://127.0.0.1:1000]",
        "http: 127.0.0.1:1001",
        "preset: wan",
        "joinTimeout: 2500",
        "dataDir: /var/lib/file",
        "tags: { role: file, zone: file }",
        "logLevel: debug",
      ].join("\n"),
    );
    const c = resolveConfig({
      flags: flagsLayer({ name: "from-flag", tag: ["role=flag"] }),
      env: {
        GRAPEVINE_NAME: "from-env",
        GRAPEVINE_HTTP: "127.0.0.1:2001",
        GRAPEVINE_BIND: "udp://127.0.0.1:2000, ws://127.0.0.1:2002/gossip",
        GRAPEVINE_TAGS: "zone=env,rack=env",
      },
      file: readConfigFile(path),
      hostname: "host-a",
    });
    expect(c.name).toBe("from-flag");
    expect(c.bind).toEqual(["udp://127.0.0.1:2000", "ws://127.0.0.1:2002/gossip"]);
    expect(c.http).toEqual({ host: "127.0.0.1", port: 2001 });
    expect(c.preset).toBe("wan");
    expect(c.joinTimeoutMs).toBe(2500);
    expect(c.dataDir).toBe("/var/lib/file");
    expect(c.logLevel).toBe("debug");
    // Tags merge key by key: flag beats env beats file.
    expect(c.tags).toEqual({ role: "flag", zone: "env", rack: "env" });
  });

  it("lists from a higher layer replace lower ones whole", () => {
    const c = resolveConfig({
      ...base,
      flags: flagsLayer({ join: ["udp://127.0.0.1:3000"] }),
      env: { GRAPEVINE_JOIN: "udp://127.0.0.1:4000,udp://127.0.0.1:4001" },
    });
    expect(c.join).toEqual(["udp://127.0.0.1:3000"]);
    const fromEnv = resolveConfig({
      ...base,
      env: { GRAPEVINE_JOIN: "udp://127.0.0.1:4000,udp://127.0.0.1:4001" },
    });
    expect(fromEnv.join).toEqual(["udp://127.0.0.1:4000", "udp://127.0.0.1:4001"]);
  });

  it("reads JSON config files and durations with units", () => {
    const path = fileWith(
      "agent.json",
      JSON.stringify({
        join: "udp://127.0.0.1:5000",
        joinTimeout: "3s",
        logJson: true,
        tls: { ca: "/ca.pem" },
      }),
    );
    const c = resolveConfig({ ...base, file: readConfigFile(path) });
    expect(c.join).toEqual(["udp://127.0.0.1:5000"]);
    expect(c.joinTimeoutMs).toBe(3000);
    expect(c.logJson).toBe(true);
    expect(c.tls).toEqual({ ca: "/ca.pem" });
  });

  it("takes the join retry interval and attempt limit from flags, env and file", () => {
    expect(resolveConfig(base)).toMatchObject({ joinRetryIntervalMs: 15_000, joinMaxAttempts: 0 });
    const flags = resolveConfig({
      ...base,
      flags: flagsLayer({ joinRetryInterval: "2s", joinMaxAttempts: "5" }),
      env: { GRAPEVINE_JOIN_RETRY_INTERVAL: "9s", GRAPEVINE_JOIN_MAX_ATTEMPTS: "9" },
    });
    expect(flags).toMatchObject({ joinRetryIntervalMs: 2000, joinMaxAttempts: 5 });
    const env = resolveConfig({
      ...base,
      env: { GRAPEVINE_JOIN_RETRY_INTERVAL: "500ms", GRAPEVINE_JOIN_MAX_ATTEMPTS: "3" },
    });
    expect(env).toMatchObject({ joinRetryIntervalMs: 500, joinMaxAttempts: 3 });
    const path = fileWith("agent.yaml", "joinRetryInterval: 1m\njoinMaxAttempts: 10\n");
    const file = resolveConfig({ ...base, file: readConfigFile(path) });
    expect(file).toMatchObject({ joinRetryIntervalMs: 60_000, joinMaxAttempts: 10 });
  });

  it("takes the wire from flag, env or file; memberlist needs one udp:// bind and udp:// seeds", () => {
    expect(resolveConfig(base).wire).toBe("grapevine");
    const flag = resolveConfig({ ...base, flags: flagsLayer({ wire: "memberlist" }) });
    expect(flag.wire).toBe("memberlist");
    expect(resolveConfig({ ...base, env: { GRAPEVINE_WIRE: "memberlist" } }).wire).toBe(
      "memberlist",
    );
    const file = { path: "agent.yaml", data: { wire: "memberlist" } };
    expect(resolveConfig({ ...base, file }).wire).toBe("memberlist");
    expect(() => resolveConfig({ ...base, env: { GRAPEVINE_WIRE: "swim" } })).toThrow(
      /GRAPEVINE_WIRE: expected one of grapevine, memberlist/,
    );
    const memberlist = (flags: Record<string, unknown>) => () =>
      resolveConfig({ ...base, flags: { wire: "memberlist", ...flags } });
    expect(memberlist({ join: ["ws://127.0.0.1:9"] })).toThrow(UsageError);
    expect(memberlist({ bind: ["udp://127.0.0.1:1", "ws://127.0.0.1:2"] })).toThrow(
      /--wire memberlist: needs exactly one udp:\/\/ --bind address/,
    );
    expect(memberlist({ advertise: ["udp://10.0.0.1:7946"] })).toThrow(/no --advertise/);
    expect(memberlist({ join: ["udp://127.0.0.1:7947"] })().join).toEqual(["udp://127.0.0.1:7947"]);
  });

  it("names the source of a bad value", () => {
    const bad = (sources: Parameters<typeof resolveConfig>[0]) => {
      try {
        resolveConfig(sources);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error("expected a UsageError");
    };
    expect(bad({ ...base, flags: { bind: ["http://x:1"] } })).toMatch(
      /^--bind: unsupported scheme/,
    );
    expect(bad({ ...base, env: { GRAPEVINE_BIND: "udp://[::1" } })).toMatch(
      /^GRAPEVINE_BIND: bad URL/,
    );
    expect(bad({ ...base, env: { GRAPEVINE_PRESET: "fast" } })).toMatch(
      /^GRAPEVINE_PRESET: expected one of lan, wan, local/,
    );
    expect(bad({ ...base, flags: { tags: ["novalue"] } })).toMatch(/^--tag: expected KEY=VALUE/);
    expect(bad({ ...base, flags: { joinTimeout: "soon" } })).toMatch(
      /^--join-timeout: expected a duration/,
    );
    expect(bad({ ...base, flags: { joinMaxAttempts: "-1" } })).toMatch(
      /^--join-max-attempts: expected a whole number/,
    );
    expect(bad({ ...base, env: { GRAPEVINE_JOIN_MAX_ATTEMPTS: "lots" } })).toMatch(
      /^GRAPEVINE_JOIN_MAX_ATTEMPTS: expected a whole number/,
    );
    expect(bad({ ...base, flags: { joinRetryInterval: "0" } })).toMatch(
      /^--join-retry-interval: must be more than 0/,
    );
    expect(bad({ ...base, flags: { http: "localhost" } })).toMatch(/^--http: expected HOST:PORT/);
    expect(bad({ ...base, flags: { bind: ["udp://127.0.0.1:1", "udp://127.0.0.1:2"] } })).toMatch(
      /one address per transport/,
    );
    expect(bad({ ...base, flags: { advertise: ["ws://10.0.0.1:80"] } })).toMatch(
      /matches no --bind address/,
    );
    expect(bad({ ...base, file: { path: "a.yaml", data: { nmae: "typo" } } })).toMatch(
      /^config file a.yaml: unknown key "nmae"/,
    );
    expect(bad({ ...base, file: { path: "a.yaml", data: ["not", "a", "map"] } })).toMatch(
      /expected a mapping/,
    );
    expect(bad({ ...base, env: { GRAPEVINE_LOG_JSON: "maybe" } })).toMatch(
      /^GRAPEVINE_LOG_JSON: expected true or false/,
    );
  });

  it("rejects unreadable and malformed config files with one line", () => {
    expect(() => readConfigFile("/nonexistent/agent.yaml")).toThrow(/cannot read \(no such file\)/);
    expect(() => readConfigFile(fileWith("bad.json", "{nope"))).toThrow(/invalid JSON/);
    expect(() => readConfigFile(fileWith("bad.yaml", "a: [1, 2"))).toThrow(/invalid YAML/);
  });
});

describe("parsers", () => {
  it("parses durations", () => {
    expect(parseDuration("1500", "d")).toBe(1500);
    expect(parseDuration("250ms", "d")).toBe(250);
    expect(parseDuration("2s", "d")).toBe(2000);
    expect(parseDuration("1.5m", "d")).toBe(90_000);
    expect(() => parseDuration("-1", "d")).toThrow(UsageError);
  });

  it("parses HTTP addresses", () => {
    expect(parseHttpAddress("127.0.0.1:7950", "x")).toEqual({ host: "127.0.0.1", port: 7950 });
    expect(parseHttpAddress("http://[::1]:80/", "x")).toEqual({ host: "::1", port: 80 });
    expect(parseHttpAddress("localhost:0", "x")).toEqual({ host: "localhost", port: 0 });
    expect(() => parseHttpAddress("[::1]", "x")).toThrow(UsageError);
    expect(() => parseHttpAddress("1.2.3.4:70000", "x")).toThrow(UsageError);
  });
});
