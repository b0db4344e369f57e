import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../src/agent.js";
import { type RawConfig, resolveConfig } from "../src/config.js";
import { hashToken } from "../src/http-tokens.js";
import type { Io } from "../src/io.js";
import { createLogger } from "../src/logger.js";
import { runCliInProcess } from "./helpers/cli-in-process.js";
import { capturingLogger, send } from "./helpers/raw-http.js";

const pki = join(import.meta.dirname, "fixtures/http-tls");
const file = (name: string) => join(pki, name);
const pem = (name: string) => readFileSync(file(name));
const dir = mkdtempSync(join(tmpdir(), "grapevine-https-"));

function config(name: string, extra: RawConfig) {
  return resolveConfig({
    flags: {
      name,
      bind: ["udp://127.0.0.1:0"],
      preset: "local",
      http: "https://127.0.0.1:0",
      httpTlsCert: file("server.pem"),
      httpTlsKey: file("server.key"),
      ...extra,
    },
    env: {},
    hostname: "unused",
  });
}

/** Runs the CLI in this process; resolves with its exit code and output. */
async function cli(args: string[], env: Record<string, string> = {}) {
  return runCliInProcess(args, { env });
}

describe("HTTPS", () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await Agent.start(config("tls-server", {}), createLogger("silent", false));
  });
  afterAll(async () => {
    await agent?.shutdown();
    await agent?.close();
  });

  it("serves the API over TLS to clients that trust its CA", async () => {
    expect(agent.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(agent.readyLine()).toMatch(/, http https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await send(agent.httpUrl, "GET", "/v1/members", {}, undefined, {
      ca: pem("ca.pem"),
    });
    expect(ok.status).toBe(200);
    await expect(send(agent.httpUrl, "GET", "/v1/members")).rejects.toThrow(/certificate/);
    // Plain HTTP to the TLS port gets no API.
    await expect(
      send(agent.httpUrl.replace("https:", "http:"), "GET", "/v1/members"),
    ).rejects.toThrow();
  });

  it("the CLI talks HTTPS with --ca-file, and says what is wrong without it", async () => {
    const address = agent.httpUrl;
    const ok = await cli(["members", "--http", address, "--ca-file", file("ca.pem")]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^tls-server \(this agent\) +alive/m);
    const viaEnv = await cli(["info", "--json"], {
      GRAPEVINE_HTTP: address,
      GRAPEVINE_CA_FILE: file("ca.pem"),
    });
    expect(JSON.parse(viaEnv.stdout).config.httpApi).toMatchObject({
      tls: true,
      clientCertificates: false,
    });
    const untrusted = await cli(["members", "--http", address]);
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toMatch(/TLS: the agent's certificate is not trusted .*--ca-file/);
    const plain = await cli(["members", "--http", address.replace("https://", "")]);
    expect(plain.code).toBe(3);
    const misused = await cli(["members", "--ca-file", file("ca.pem"), "--http", "127.0.0.1:1"]);
    expect(misused.code).toBe(2);
    expect(misused.stderr).toMatch(/--ca-file: only for an https:\/\/ agent/);
  });

  it("refuses bad certificate settings at start, naming the setting", async () => {
    const logger = createLogger("silent", false);
    await expect(
      Agent.start(config("x", { httpTlsCert: file("client.pem") }), logger),
    ).rejects.toThrow(/--http-tls-key does not match the certificate in .*client\.pem/);
    await expect(
      Agent.start(config("x", { httpTlsCert: file("missing.pem") }), logger),
    ).rejects.toThrow(/--http-tls-cert .*missing\.pem: cannot read \(no such file\)/);
    await expect(
      Agent.start(config("x", { httpTlsCert: file("make.sh") }), logger),
    ).rejects.toThrow(/--http-tls-cert .*make\.sh: not a PEM certificate/);
  });
});

describe("HTTPS with client certificates", () => {
  const { logger, lines } = capturingLogger();
  let agent: Agent;
  beforeAll(async () => {
    agent = await Agent.start(config("mtls", { httpClientCa: file("ca.pem") }), logger);
  });
  afterAll(async () => {
    await agent?.shutdown();
    await agent?.close();
  });

  const client = { ca: pem("ca.pem"), cert: pem("client.pem"), key: pem("client.key") };

  it("serves clients with a certificate from its CA, and audits them by subject", async () => {
    const ok = await send(agent.httpUrl, "GET", "/v1/whoami", {}, undefined, client);
    expect(ok.json).toEqual({ who: "cert:ops-client", scope: "keys" });
    const put = await send(
      agent.httpUrl,
      "PUT",
      "/v1/kv/k",
      { "content-type": "application/json" },
      '{"value":"v"}',
      client,
    );
    expect(put.status).toBe(200);
    expect(lines.find((l) => l.msg === "api PUT /v1/kv/k")).toMatchObject({
      who: "cert:ops-client",
      status: 200,
    });
  });

  it("refuses clients with no certificate or one from another CA at the handshake", async () => {
    await expect(
      send(agent.httpUrl, "GET", "/health", {}, undefined, { ca: pem("ca.pem") }),
    ).rejects.toThrow();
    await expect(
      send(agent.httpUrl, "GET", "/health", {}, undefined, {
        ca: pem("ca.pem"),
        cert: pem("rogue.pem"),
        key: pem("rogue.key"),
      }),
    ).rejects.toThrow();
    expect(agent.cluster.status).toBe("running");
  });

  it("the CLI presents --client-cert and --client-key; without them it says so", async () => {
    const tls = ["--ca-file", file("ca.pem")];
    const ok = await cli([
      "set",
      "color",
      "blue",
      "--http",
      agent.httpUrl,
      ...tls,
      "--client-cert",
      file("client.pem"),
      "--client-key",
      file("client.key"),
    ]);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toMatch(/^mtls: set color \(version \d+\)/);
    const without = await cli(["members", "--http", agent.httpUrl, ...tls]);
    expect(without.code).toBe(3);
    expect(without.stderr).toMatch(/client certificate/);
    const half = await cli([
      "members",
      "--http",
      agent.httpUrl,
      "--client-cert",
      file("client.pem"),
    ]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--client-cert: needs --client-cert and --client-key together/);
  });
});

describe("the CLI with API tokens", () => {
  const token = randomBytes(32).toString("base64url");
  const reader = randomBytes(32).toString("base64url");
  let agent: Agent;
  beforeAll(async () => {
    const tokens = join(dir, "tokens.json");
    writeFileSync(
      tokens,
      JSON.stringify({
        tokens: [
          { name: "ops", scope: "write", sha256: hashToken(token) },
          { name: "viewer", scope: "read", sha256: hashToken(reader) },
        ],
      }),
    );
    agent = await Agent.start(
      resolveConfig({
        flags: {
          name: "cli-tokens",
          bind: ["udp://127.0.0.1:0"],
          http: "127.0.0.1:0",
          preset: "local",
          httpTokenFile: tokens,
        },
        env: {},
        hostname: "unused",
      }),
      createLogger("silent", false),
    );
  });
  afterAll(async () => {
    await agent?.shutdown();
    await agent?.close();
  });

  it("sends the token from GRAPEVINE_HTTP_TOKEN or --token-file; without one, says how to give it", async () => {
    const http = agent.httpUrl;
    const none = await cli(["members", "--http", http]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/needs a token.*\(set GRAPEVINE_HTTP_TOKEN or --token-file FILE\)/);
    const env = await cli(["set", "a", "1", "--http", http], { GRAPEVINE_HTTP_TOKEN: token });
    expect(env.code).toBe(0);
    const tokenFile = join(dir, "ops.token");
    writeFileSync(tokenFile, `${token}\n`);
    const viaFile = await cli(["get", "a", "--http", http, "--token-file", tokenFile]);
    expect(viaFile.stdout.trim()).toBe("1");
    const leave = await cli(["leave", "--http", http], { GRAPEVINE_HTTP_TOKEN: reader });
    expect(leave.code).toBe(1);
    expect(leave.stderr).toMatch(/token viewer has scope read; this route needs write/);
    expect(agent.cluster.status).toBe("running");
    const missing = await cli(["members", "--http", http, "--token-file", join(dir, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--token-file .*nope: cannot read \(no such file\)/);
    const spaced = await cli(["members", "--http", http], { GRAPEVINE_HTTP_TOKEN: "a b" });
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toMatch(/GRAPEVINE_HTTP_TOKEN: a token is printable ASCII/);
    expect(`${none.stderr}${leave.stderr}`).not.toContain(reader);
  });

  it("streams events with the token (grapevine watch)", async () => {
    const controller = new AbortController();
    let out = "";
    const io: Io = {
      stdout: {
        write: (t: string | Uint8Array) => {
          out += String(t);
          if (out.includes("watched")) controller.abort();
        },
      },
      stderr: {
        write: (t: string) => {
          if (t.startsWith("watching")) {
            void send(
              agent.httpUrl,
              "PUT",
              "/v1/kv/watched",
              {
                authorization: `Bearer ${token}`,
              },
              "x",
            );
          }
        },
      },
      env: { GRAPEVINE_HTTP_TOKEN: token },
    };
    const { watchCommand } = await import("../src/commands/watch.js");
    const code = await watchCommand({ http: agent.httpUrl }, io, controller.signal);
    expect(code).toBe(0);
    expect(out).toMatch(/key-changed\s+cli-tokens watched = "x"/);
  });
});
