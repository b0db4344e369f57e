import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../src/agent.js";
import { flagsLayer } from "../src/commands/agent.js";
import { type RawConfig, resolveConfig } from "../src/config.js";
import { routeRule } from "../src/http-rules.js";
import { hashToken } from "../src/http-tokens.js";
import { createLogger } from "../src/logger.js";
import { OVERVIEW_SCHEMA } from "../src/routes/overview-routes.js";
import { readUiAssets, UI_CSP } from "../src/routes/ui-routes.js";
import { AgentHandle, killAll, waitForMember } from "./helpers/cli-process.js";
import { send } from "./helpers/raw-http.js";
import { ensureUiBuilt } from "./helpers/ui-build.js";

function config(name: string, extra: Record<string, unknown> = {}) {
  return resolveConfig({
    flags: { name, bind: ["udp://127.0.0.1:0"], http: "127.0.0.1:0", preset: "local", ...extra },
    env: {},
    hostname: "unused",
  });
}

const logger = createLogger("silent", false);
const dir = mkdtempSync(join(tmpdir(), "grapevine-dash-"));
const token = randomBytes(32).toString("hex");
const key = randomBytes(32).toString("base64");
const agents: Agent[] = [];
let open: Agent;
let locked: Agent;
let noUi: Agent;

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    headers,
    redirect: "manual",
    signal: AbortSignal.timeout(5000),
  });
  const streaming = res.headers.get("content-type")?.startsWith("text/event-stream");
  const text = streaming ? "" : await res.text();
  if (streaming) await res.body?.cancel();
  return { status: res.status, headers: res.headers, text };
}

beforeAll(async () => {
  ensureUiBuilt();
  const tokenFile = join(dir, "tokens.json");
  writeFileSync(
    tokenFile,
    JSON.stringify({ tokens: [{ name: "viewer", scope: "read", sha256: hashToken(token) }] }),
  );
  open = await Agent.start(config("dash-open", { encrypt: key }), logger);
  locked = await Agent.start(config("dash-locked", { httpTokenFile: tokenFile }), logger);
  noUi = await Agent.start(config("dash-no-ui", { ui: false }), logger);
  agents.push(open, locked, noUi);
});

afterAll(async () => {
  killAll();
  for (const agent of agents) {
    await agent.shutdown();
    await agent.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard's page and assets", () => {
  it("/ui redirects to /ui/, which is the page, with a strict content security policy", async () => {
    const redirect = await get(open.httpUrl, "/ui");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("/ui/");
    const page = await get(open.httpUrl, "/ui/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toBe(UI_CSP);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.text).toContain('<div id="app">');
    const head = await fetch(`${open.httpUrl}/ui/`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("serves every built asset the page names, cached for good; nothing else", async () => {
    const page = await get(open.httpUrl, "/ui/");
    const refs = [...page.text.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(refs.some((r) => r.endsWith(".js"))).toBe(true);
    expect(refs.some((r) => r.endsWith(".css"))).toBe(true);
    for (const ref of refs) {
      const asset = await get(open.httpUrl, ref);
      expect(asset.status, ref).toBe(200);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(asset.headers.get("content-type")).toMatch(/^text\/(javascript|css)/);
    }
    expect((await get(open.httpUrl, "/ui/assets/missing.js")).status).toBe(404);
    expect((await get(open.httpUrl, "/ui/index.html")).status).toBe(404);
    expect((await get(open.httpUrl, "/ui/%2e%2e/%2e%2e/package.json")).status).toBe(404);
  });

  it("answers 404 for /ui/ and its assets when the agent runs with the dashboard off", async () => {
    for (const path of ["/ui/", "/ui", "/ui/assets/index.js"]) {
      expect((await get(noUi.httpUrl, path)).status, path).toBe(404);
    }
    expect((await get(noUi.httpUrl, "/v1/overview")).status).toBe(200);
  });

  it("reads no build from a folder without one (the page then answers 503)", () => {
    expect(readUiAssets(dir)).toBeUndefined();
  });
});

describe("the dashboard behind API tokens", () => {
  it("serves the page and its assets without a token", async () => {
    const page = await get(locked.httpUrl, "/ui/");
    expect(page.status).toBe(200);
    const js = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    expect(js).toBeDefined();
    expect((await get(locked.httpUrl, js!)).status).toBe(200);
    // Only reading the dashboard is open; nothing else under /ui/ is.
    expect(routeRule("GET", ["ui", "assets", "x.js"]).scope).toBe("open");
    expect(routeRule("HEAD", ["ui"]).scope).toBe("open");
    expect(routeRule("POST", ["ui"]).scope).toBe("read");
    expect(
      (await send(locked.httpUrl, "POST", "/ui/", { "content-type": "application/json" })).status,
    ).toBe(401);
  });

  it("refuses every data call the page makes without the token, and answers it with one", async () => {
    const auth = { authorization: `Bearer ${token}` };
    for (const path of ["/v1/overview", "/v1/events", "/v1/kv", "/v1/config"]) {
      const refused = await get(locked.httpUrl, path);
      expect(refused.status, path).toBe(401);
      expect(refused.text).not.toContain(token);
      expect((await get(locked.httpUrl, path, auth)).status, path).toBe(200);
    }
    // The Host check still applies to the page: no DNS rebinding onto the dashboard.
    expect((await send(locked.httpUrl, "GET", "/ui/", { host: "evil.example" })).status).toBe(421);
    const foreign = { host: new URL(locked.httpUrl).host, origin: "https://evil.example" };
    expect((await send(locked.httpUrl, "GET", "/ui/", foreign)).status).toBe(403);
  });
});

describe("GET /v1/overview", () => {
  it("matches its schema: members with time in state and RTT, health, counters", async () => {
    const other = await Agent.start(
      config("dash-peer", { encrypt: key, join: open.cluster.addresses }),
      logger,
    );
    agents.push(other);
    await waitForMember(open.httpUrl, "dash-peer", "alive");
    const res = await get(open.httpUrl, "/v1/overview");
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    const validate = new Ajv({ strict: false }).compile(OVERVIEW_SCHEMA);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(body.name).toBe("dash-open");
    expect(body.health.state).toBe("healthy");
    const peer = body.members.find((m: { name: string }) => m.name === "dash-peer");
    expect(peer.status).toBe("alive");
    expect(Date.parse(peer.since)).toBeLessThanOrEqual(Date.parse(body.time));
    expect(body.counters.packetsIn).toBeGreaterThan(0);
  });

  it("shows the keyring's fingerprints when gossip is encrypted, and never the key", async () => {
    const res = await get(open.httpUrl, "/v1/overview");
    const body = JSON.parse(res.text);
    expect(body.keyring.keys).toHaveLength(1);
    expect(body.keyring.keys[0]).toEqual({ fingerprint: body.keyring.primary, primary: true });
    expect(res.text).not.toContain(key);
    expect(res.text).not.toContain(Buffer.from(key, "base64").toString("hex"));
    expect(
      JSON.parse(
        (await get(locked.httpUrl, "/v1/overview", { authorization: `Bearer ${token}` })).text,
      ).keyring,
    ).toBeNull();
  });

  it("is in the OpenAPI document, as are the dashboard's open routes", async () => {
    const doc = JSON.parse((await get(open.httpUrl, "/v1/openapi.json")).text);
    expect(doc.paths["/v1/overview"].get.security).toBeDefined();
    expect(doc.paths["/ui/"].get.security).toBeUndefined();
    expect(doc.paths["/ui/{asset}"].get.parameters[0].name).toBe("asset");
  });
});

describe("turning the dashboard off", () => {
  const resolve = (flags: RawConfig, env: Record<string, string> = {}, file?: unknown) =>
    resolveConfig({
      flags,
      env,
      ...(file === undefined ? {} : { file: { path: "agent.yaml", data: file } }),
      hostname: "h",
    }).ui;

  it("is on by default; --no-ui, GRAPEVINE_UI and the config key ui turn it off, flags first", () => {
    expect(resolve({})).toBe(true);
    expect(resolve(flagsLayer({ ui: true }))).toBe(true);
    expect(resolve(flagsLayer({ ui: false }))).toBe(false);
    expect(resolve({}, { GRAPEVINE_UI: "false" })).toBe(false);
    expect(resolve({}, {}, { ui: false })).toBe(false);
    // A flag that was not given leaves the decision to the environment and the file.
    expect(resolve(flagsLayer({ ui: true }), { GRAPEVINE_UI: "off" })).toBe(false);
    expect(resolve(flagsLayer({ ui: false }), { GRAPEVINE_UI: "true" })).toBe(false);
    expect(() => resolve({}, { GRAPEVINE_UI: "maybe" })).toThrow(
      /GRAPEVINE_UI: expected true or false/,
    );
    expect(() => resolve({}, {}, { ui: "maybe" })).toThrow(/config file agent.yaml: ui/);
  });

  it("grapevine agent --no-ui serves no page", async () => {
    const agent = await new AgentHandle([
      "--name",
      "no-ui-cli",
      "--bind",
      "udp://127.0.0.1:0",
      "--http",
      "127.0.0.1:0",
      "--no-ui",
    ]).ready();
    expect((await get(agent.http, "/ui/")).status).toBe(404);
    expect((await get(agent.http, "/v1/overview")).status).toBe(200);
    agent.kill("SIGKILL");
    await agent.exit();
  });
});
