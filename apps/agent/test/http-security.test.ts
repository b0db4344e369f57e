import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../src/agent.js";
import { type RawConfig, resolveConfig } from "../src/config.js";
import { UsageError } from "../src/errors.js";
import { logApiExposure, TokenStore } from "../src/http-server.js";
import { hashToken } from "../src/http-tokens.js";
import { createLogger } from "../src/logger.js";
import { waitForMember } from "./helpers/cli-process.js";
import { capturingLogger, send } from "./helpers/raw-http.js";

const dir = mkdtempSync(join(tmpdir(), "grapevine-apisec-"));

function config(name: string, extra: RawConfig = {}) {
  return resolveConfig({
    flags: { name, bind: ["udp://127.0.0.1:0"], http: "127.0.0.1:0", preset: "local", ...extra },
    env: {},
    hostname: "unused",
  });
}

/** A fresh random token, as an operator would make one (`openssl rand -hex 32`). */
function newToken(): string {
  return randomBytes(32).toString("hex");
}

function writeTokens(file: string, entries: { name: string; scope: string; token: string }[]) {
  writeFileSync(
    file,
    JSON.stringify({
      tokens: entries.map((e) => ({ name: e.name, scope: e.scope, sha256: hashToken(e.token) })),
    }),
  );
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = { "content-type": "application/json" };

async function refusals(base: string, auth: Record<string, string> = {}) {
  const text = (await send(base, "GET", "/metrics", auth)).text;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^grapevine_http_refused_total\{reason="([^"]+)"\} (\d+)$/gm)) {
    out[m[1]!] = Number(m[2]);
  }
  return { out, text };
}

describe("an agent with no tokens, on loopback (the default)", () => {
  const { logger, lines } = capturingLogger();
  let victim: Agent;
  let peer: Agent;
  let port: string;

  beforeAll(async () => {
    victim = await Agent.start(config("victim"), logger);
    peer = await Agent.start(
      config("peer", { join: victim.cluster.addresses }),
      createLogger("silent", false),
    );
    await waitForMember(victim.httpUrl, "peer", "alive");
    port = new URL(victim.httpUrl).port;
  });

  afterAll(async () => {
    for (const a of [victim, peer]) {
      await a?.shutdown();
      await a?.close();
    }
  });

  it("refuses a cross-site simple POST /v1/leave (text/plain, Origin evil): the node stays", async () => {
    const evil = await send(
      victim.httpUrl,
      "POST",
      "/v1/leave",
      { origin: "http://evil.example", "content-type": "text/plain" },
      "{}",
    );
    expect(evil.status).toBe(403);
    expect(evil.json.error.code).toBe("origin-not-allowed");
    // The same request from a page that hides its origin (a sandboxed frame, a form).
    const form = await send(
      victim.httpUrl,
      "POST",
      "/v1/leave",
      { "content-type": "application/x-www-form-urlencoded" },
      "a=b",
    );
    expect(form.status).toBe(403);
    expect(form.json.error.code).toBe("simple-request");
    const bare = await send(victim.httpUrl, "POST", "/v1/leave");
    expect(bare.status).toBe(403);
    expect(victim.cluster.status).toBe("running");
    const seen = await send(peer.httpUrl, "GET", "/v1/members");
    expect(seen.json.members.find((m: { name: string }) => m.name === "victim").status).toBe(
      "alive",
    );
  });

  it("refuses a DNS-rebinding Host header, reads and writes alike", async () => {
    const read = await send(victim.httpUrl, "GET", "/v1/members", {
      host: `evil.example:${port}`,
    });
    expect(read.status).toBe(421);
    expect(read.json.error.code).toBe("host-not-allowed");
    expect(read.text).not.toContain("peer");
    const write = await send(
      victim.httpUrl,
      "PUT",
      "/v1/kv/owned",
      { host: `evil.example:${port}`, ...json },
      JSON.stringify({ value: "x" }),
    );
    expect(write.status).toBe(421);
    expect(victim.cluster.entries().some((e) => e.key === "owned")).toBe(false);
    for (const host of ["127.0.0.1", `localhost:${port}`, `[::1]:${port}`, "LOCALHOST."]) {
      expect((await send(victim.httpUrl, "GET", "/health", { host })).status).toBe(200);
    }
  });

  it("lets the agent's own pages in, and no other origin; CORS is off", async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const put = await send(
        victim.httpUrl,
        "PUT",
        "/v1/tags",
        { origin, ...json },
        JSON.stringify({ zone: "eu" }),
      );
      expect(put.status).toBe(200);
      expect(put.headers["access-control-allow-origin"]).toBeUndefined();
    }
    for (const origin of [
      `http://127.0.0.1:${Number(port) + 1}`,
      `https://127.0.0.1:${port}`,
      "null",
      "http://evil.example",
    ]) {
      expect((await send(victim.httpUrl, "GET", "/v1/members", { origin })).status).toBe(403);
    }
    const preflight = await send(victim.httpUrl, "OPTIONS", "/v1/kv/x", {
      origin: "http://evil.example",
      "access-control-request-method": "PUT",
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("takes raw PUT bodies (a PUT is never simple) and JSON or marked POSTs", async () => {
    const raw = await send(
      victim.httpUrl,
      "PUT",
      "/v1/kv/raw",
      { "content-type": "text/plain" },
      "v",
    );
    expect(raw.status).toBe(200);
    const who = await send(victim.httpUrl, "GET", "/v1/whoami");
    expect(who.json).toEqual({ who: "anonymous", scope: "keys" });
  });

  it("counts refusals in /metrics and writes an audit line per state-changing call", async () => {
    const { out } = await refusals(victim.httpUrl);
    expect(out.origin).toBeGreaterThanOrEqual(1);
    expect(out.host).toBeGreaterThanOrEqual(2);
    expect(out["simple-request"]).toBeGreaterThanOrEqual(2);
    const audit = lines.filter((l) => typeof l.msg === "string" && /^api /.test(l.msg as string));
    expect(audit.map((l) => [l.msg, l.status, l.who])).toEqual(
      expect.arrayContaining([
        ["api POST /v1/leave", 403, "anonymous"],
        ["api PUT /v1/tags", 200, "anonymous"],
        ["api PUT /v1/kv/raw", 200, "anonymous"],
      ]),
    );
    // Refused attacks are audited too, with why they were refused.
    expect(audit.map((l) => [l.msg, l.status, l.error])).toEqual(
      expect.arrayContaining([
        ["api POST /v1/leave", 403, "origin-not-allowed"],
        ["api POST /v1/leave", 403, "simple-request"],
        ["api PUT /v1/kv/owned", 421, "host-not-allowed"],
      ]),
    );
    expect(audit.every((l) => typeof l.remote === "string" && typeof l.ms === "number")).toBe(true);
    // Reads are not audited.
    expect(audit.some((l) => String(l.msg).startsWith("api GET"))).toBe(false);
  });
});

describe("an agent with API tokens", () => {
  const { logger, lines } = capturingLogger();
  const tokens = { reader: newToken(), writer: newToken(), keeper: newToken() };
  const file = join(dir, "tokens.json");
  let agent: Agent;

  beforeAll(async () => {
    writeTokens(file, [
      { name: "reader", scope: "read", token: tokens.reader },
      { name: "writer", scope: "write", token: tokens.writer },
      { name: "keeper", scope: "keys", token: tokens.keeper },
    ]);
    agent = await Agent.start(config("locked", { httpTokenFile: file }), logger);
  });

  afterAll(async () => {
    await agent?.shutdown();
    await agent?.close();
  });

  it("answers 401 without a token or with a wrong one, with the common error body", async () => {
    const none = await send(agent.httpUrl, "GET", "/v1/members");
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("unauthorized");
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer realm="grapevine"/);
    for (const auth of [
      `Bearer ${newToken()}`,
      `Basic ${Buffer.from(`x:${tokens.writer}`).toString("base64")}`,
      `Bearer ${tokens.writer}x`,
      "Bearer",
      tokens.writer,
    ]) {
      const wrong = await send(agent.httpUrl, "GET", "/v1/members", { authorization: auth });
      expect(wrong.status, auth).toBe(401);
    }
    const leave = await send(agent.httpUrl, "POST", "/v1/leave", json, "{}");
    expect(leave.status).toBe(401);
    expect(agent.cluster.status).toBe("running");
  });

  it("keeps /health open for probes and /metrics behind a read token by default", async () => {
    expect((await send(agent.httpUrl, "GET", "/health")).status).toBe(200);
    expect((await send(agent.httpUrl, "GET", "/metrics")).status).toBe(401);
    expect((await send(agent.httpUrl, "GET", "/metrics", bearer(tokens.reader))).status).toBe(200);
  });

  it("a read token reads but cannot write: 403 naming the scope needed", async () => {
    const r = bearer(tokens.reader);
    expect((await send(agent.httpUrl, "GET", "/v1/members", r)).status).toBe(200);
    expect((await send(agent.httpUrl, "GET", "/v1/whoami", r)).json).toEqual({
      who: "token:reader",
      scope: "read",
    });
    const put = await send(agent.httpUrl, "PUT", "/v1/kv/k", { ...r, ...json }, '{"value":"v"}');
    expect(put.status).toBe(403);
    expect(put.json.error).toMatchObject({ code: "forbidden", scope: "read", required: "write" });
    const leave = await send(agent.httpUrl, "POST", "/v1/leave", { ...r, ...json }, "{}");
    expect(leave.status).toBe(403);
    expect(agent.cluster.status).toBe("running");
    expect(agent.cluster.entries().some((e) => e.key === "k")).toBe(false);
  });

  it("a write token writes but cannot touch the keyring; a keys token can", async () => {
    const w = bearer(tokens.writer);
    const put = await send(agent.httpUrl, "PUT", "/v1/kv/k", { ...w, ...json }, '{"value":"v"}');
    expect(put.status).toBe(200);
    // The bearer header already makes the request one no page can send cross-site.
    expect((await send(agent.httpUrl, "DELETE", "/v1/tags?key=none", w)).status).toBe(200);
    const list = await send(agent.httpUrl, "GET", "/v1/keys", w);
    expect(list.status).toBe(403);
    expect(list.json.error.required).toBe("keys");
    // However the operation is spelled.
    const encoded = await send(
      agent.httpUrl,
      "POST",
      "/v1/keys/%69nstall",
      { ...w, ...json },
      '{"key":"x"}',
    );
    expect(encoded.status).toBe(403);
    // Past the token check: this agent has no keyring, which the route itself refuses.
    const keeper = await send(agent.httpUrl, "GET", "/v1/keys", bearer(tokens.keeper));
    expect(keeper.status).toBe(409);
  });

  it("counts failures in /metrics and audits by token name, never showing a token", async () => {
    const { out, text } = await refusals(agent.httpUrl, bearer(tokens.reader));
    expect(out["missing-token"]).toBeGreaterThanOrEqual(3);
    expect(out["invalid-token"]).toBeGreaterThanOrEqual(5);
    expect(out["insufficient-scope"]).toBeGreaterThanOrEqual(3);
    const audit = lines.filter((l) => String(l.msg).startsWith("api "));
    expect(audit.map((l) => [l.msg, l.who, l.status])).toEqual(
      expect.arrayContaining([
        ["api PUT /v1/kv/k", "token:reader", 403],
        ["api PUT /v1/kv/k", "token:writer", 200],
        ["api POST /v1/leave", "anonymous", 401],
      ]),
    );
    const everything = JSON.stringify(lines) + text;
    for (const t of Object.values(tokens)) {
      expect(everything).not.toContain(t);
      expect(everything).not.toContain(hashToken(t));
    }
  });

  it("reloads the token file: new tokens work, removed ones stop; a bad file changes nothing", async () => {
    const fresh = newToken();
    writeTokens(file, [
      { name: "reader", scope: "read", token: tokens.reader },
      { name: "fresh", scope: "write", token: fresh },
    ]);
    agent.reloadTokens();
    expect((await send(agent.httpUrl, "GET", "/v1/info", bearer(fresh))).status).toBe(200);
    expect((await send(agent.httpUrl, "GET", "/v1/info", bearer(tokens.writer))).status).toBe(401);
    writeFileSync(file, '{"tokens": [{"name": "x", "scope": "root", "sha256": "00"}]}');
    agent.reloadTokens();
    expect((await send(agent.httpUrl, "GET", "/v1/info", bearer(fresh))).status).toBe(200);
    expect(lines.some((l) => /could not reload the API token file/.test(String(l.msg)))).toBe(true);
    const info = await send(agent.httpUrl, "GET", "/v1/info", bearer(fresh));
    expect(info.json.config.httpApi).toMatchObject({ tokens: 2, open: ["/health"], tls: false });
  });
});

describe("limits", () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await Agent.start(
      resolveConfig({
        flags: { name: "limited", bind: ["udp://127.0.0.1:0"], http: "127.0.0.1:0" },
        env: {},
        file: {
          path: "limits.yaml",
          data: {
            preset: "local",
            httpLimits: {
              headerTimeout: "300ms",
              requestTimeout: "1s",
              maxHeaderBytes: 4096,
              maxBodyBytes: 1000,
              writesPerSecond: 1,
              writeBurst: 2,
            },
          },
        },
        hostname: "unused",
      }),
      createLogger("silent", false),
    );
  });
  afterAll(async () => {
    await agent?.shutdown();
    await agent?.close();
  });

  /** Opens a raw connection to the API; resolves how long it stayed open and what it was told. */
  function slowClient(drip: (write: (text: string) => void) => NodeJS.Timeout | undefined) {
    const url = new URL(agent.httpUrl);
    return new Promise<{ ms: number; answer: string }>((resolve, reject) => {
      const started = Date.now();
      const socket = connect(Number(url.port), url.hostname);
      let answer = "";
      let timer: NodeJS.Timeout | undefined;
      const limit = setTimeout(() => {
        socket.destroy();
        reject(new Error("the slow client was not cut off within 5 s"));
      }, 5000);
      socket.setEncoding("utf8").on("data", (t: string) => {
        answer += t;
      });
      socket.on("connect", () => {
        timer = drip((text) => socket.write(text));
      });
      socket.on("error", () => undefined);
      socket.on("close", () => {
        clearTimeout(limit);
        clearInterval(timer);
        resolve({ ms: Date.now() - started, answer });
      });
    });
  }

  it("cuts off a client that sends its headers slowly (slowloris) and one that sends nothing", async () => {
    const slow = await slowClient((write) => {
      write("GET /v1/members HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      let n = 0;
      // One header line every 50 ms, for ever: each byte keeps an idle timeout from firing.
      return setInterval(() => write(`X-Slow-${n++}: x\r\n`), 50);
    });
    expect(slow.ms).toBeLessThan(2000);
    expect(slow.answer).toMatch(/^HTTP\/1\.1 408/);
    const silent = await slowClient(() => undefined);
    expect(silent.ms).toBeLessThan(2000);
  });

  it("answers 431 to oversized headers and 413 to oversized bodies", async () => {
    const big = await send(agent.httpUrl, "GET", "/health", { "x-big": "x".repeat(8000) });
    expect(big.status).toBe(431);
    const body = await send(
      agent.httpUrl,
      "PUT",
      "/v1/kv/k",
      json,
      JSON.stringify({ value: "x".repeat(2000) }),
    );
    expect(body.status).toBe(413);
    expect(body.json.error).toMatchObject({ code: "too-large", limit: 1000 });
  });

  it("rate-limits writes per client: 429 with Retry-After once the burst is spent", async () => {
    const put = (from: string) =>
      send(agent.httpUrl, "PUT", "/v1/kv/r", json, '{"value":"v"}', { localAddress: from });
    expect((await put("127.0.0.3")).status).toBe(200);
    expect((await put("127.0.0.3")).status).toBe(200);
    const third = await put("127.0.0.3");
    expect(third.status).toBe(429);
    expect(third.json.error.code).toBe("rate-limited");
    expect(Number(third.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    // Another client is not held back by the first.
    expect((await put("127.0.0.4")).status).toBe(200);
    // Reads are never limited.
    for (let i = 0; i < 5; i++)
      expect((await send(agent.httpUrl, "GET", "/v1/kv")).status).toBe(200);
  });
});

describe("fuzzed requests", () => {
  const token = newToken();
  let agent: Agent;
  beforeAll(async () => {
    const file = join(dir, "fuzz-tokens.json");
    writeTokens(file, [{ name: "fuzzer", scope: "write", token }]);
    agent = await Agent.start(
      resolveConfig({
        flags: { name: "fuzzed", bind: ["udp://127.0.0.1:0"], http: "127.0.0.1:0" },
        env: {},
        file: {
          path: "fuzz.yaml",
          data: {
            preset: "local",
            httpTokenFile: file,
            httpLimits: { headerTimeout: "1s", requestTimeout: "1s", writesPerSecond: 0 },
          },
        },
        hostname: "unused",
      }),
      createLogger("silent", false),
    );
  });
  afterAll(async () => {
    await agent?.shutdown();
    await agent?.close();
  });

  /** Sends raw bytes; resolves with the status of the answer (0: the agent closed without one). */
  function rawRequest(text: string): Promise<number> {
    const url = new URL(agent.httpUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let answer = "";
      const limit = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer within 5 s to ${JSON.stringify(text.slice(0, 200))}`));
      }, 5000);
      socket.setEncoding("utf8").on("data", (t: string) => {
        answer += t;
      });
      socket.on("error", () => undefined);
      socket.on("close", () => {
        clearTimeout(limit);
        resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
      });
      socket.end(text);
    });
  }

  const segment = fc.oneof(
    fc.constantFrom(
      "v1",
      "kv",
      "members",
      "keys",
      "install",
      "tags",
      "leave",
      "events",
      "health",
      "metrics",
      "info",
      "whoami",
      "..",
      ".",
      "%",
      "%zz",
      "%2F",
      "%00",
      "%E2%82",
      "~",
    ),
    fc.string({ maxLength: 12 }).map(encodeURIComponent),
    fc.string({ unit: "binary", maxLength: 8 }).map((s) => encodeURIComponent(s)),
  );
  const path = fc.oneof(
    fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join("/")}`),
    fc.constantFrom(
      "*",
      "//",
      "/v1/kv/",
      "http://evil.example/v1/members",
      "/v1/kv?x=%zz&status=%",
    ),
  );
  const method = fc.oneof(
    fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"),
    fc.stringMatching(/^[A-Z]{1,12}$/),
  );
  const headerValue = fc.oneof(
    fc.constantFrom(
      `Bearer ${token}`,
      "Bearer ",
      "application/json",
      "text/plain",
      "http://evil.example",
      "null",
      "127.0.0.1",
      "evil.example",
      "",
    ),
    fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
  );
  const header = fc.tuple(
    fc.constantFrom(
      "authorization",
      "content-type",
      "origin",
      "host",
      "x-grapevine-request",
      "accept",
      "access-control-request-method",
      "x-forwarded-for",
    ),
    headerValue,
  );

  it("never crash the agent nor get a 500, and the agent keeps answering", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        fc.array(header, { maxLength: 5 }),
        fc.string({ maxLength: 40 }),
        async (m, p, hs, body) => {
          const lines = [`${m} ${p} HTTP/1.1`];
          if (!hs.some(([k]) => k === "host")) lines.push("Host: 127.0.0.1");
          for (const [k, v] of hs) lines.push(`${k}: ${v}`);
          lines.push(`Content-Length: ${Buffer.byteLength(body)}`, "Connection: close", "", body);
          const status = await rawRequest(lines.join("\r\n"));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect(status).not.toBe(500);
        },
      ),
      { numRuns: 300 },
    );
    expect(agent.cluster.status).toBe("running");
    expect((await send(agent.httpUrl, "GET", "/health")).status).toBe(200);
    expect([...statuses.keys()].some((s) => s === 401)).toBe(true);
  });
});

describe("configuration of the API's security", () => {
  it("refuses a non-loopback --http without tokens, naming the fixes", () => {
    for (const http of ["0.0.0.0:7950", "[::]:7950", "10.1.2.3:7950", "myhost:7950"]) {
      expect(() => config("x", { http })).toThrow(UsageError);
    }
    expect(() => config("x", { http: "0.0.0.0:7950" })).toThrow(
      /--http http:\/\/0\.0\.0\.0:7950: .*--http-token-file FILE.*--http-client-ca FILE.*--http 127\.0\.0\.1:7950.*--http-insecure/,
    );
    expect(config("x", { http: "0.0.0.0:7950", httpInsecure: true }).httpSecurity.insecure).toBe(
      true,
    );
    expect(config("x", { http: "0.0.0.0:7950", httpTokenFile: "t.json" }).http.host).toBe(
      "0.0.0.0",
    );
    for (const http of ["127.0.0.1:0", "localhost:0", "[::1]:0", "127.0.0.2:0"]) {
      expect(() => config("x", { http })).not.toThrow();
    }
  });

  it("warns about an exposed API: no authentication, or tokens in plaintext", () => {
    const warnings = (extra: RawConfig, tokens: TokenStore) => {
      const { logger, lines } = capturingLogger();
      logApiExposure(config("x", extra), "http://0.0.0.0:7950", tokens, logger);
      return lines.map((l) => `${l.level} ${l.msg}`);
    };
    const file = join(dir, "exposure-tokens.json");
    writeTokens(file, [{ name: "ops", scope: "write", token: newToken() }]);
    const label = { path: file, label: "--http-token-file" };
    expect(
      warnings({ http: "0.0.0.0:7950", httpInsecure: true }, new TokenStore(undefined)),
    ).toEqual([
      expect.stringMatching(/^40 the HTTP API has no authentication on a non-loopback address/),
    ]);
    expect(warnings({ http: "0.0.0.0:7950", httpTokenFile: file }, new TokenStore(label))).toEqual([
      expect.stringMatching(/^40 API tokens cross the network in plaintext/),
    ]);
    expect(warnings({}, new TokenStore(label))).toEqual([]);
    writeFileSync(file, '{"tokens": []}');
    expect(warnings({}, new TokenStore(label))).toEqual([
      expect.stringMatching(/^40 the API token file has no tokens/),
    ]);
  });

  it("names the flag, variable or key at fault for every bad setting", () => {
    expect(() => config("x", { httpAllowOrigins: ["*"] })).toThrow(/--http-allow-origin: "\*"/);
    expect(() => config("x", { httpAllowOrigins: ["https://a.example/path"] })).toThrow(
      /--http-allow-origin: expected an origin/,
    );
    expect(() => config("x", { httpAllowHosts: ["a.example:80"] })).toThrow(/--http-allow-host/);
    expect(() => config("x", { httpOpen: ["/v1/kv"] })).toThrow(/--http-open: expected/);
    expect(() => config("x", { httpTlsCert: "c.pem" })).toThrow(
      /--http-tls-cert: the HTTP API is plain HTTP/,
    );
    expect(() => config("x", { http: "https://127.0.0.1:0" })).toThrow(
      /HTTPS needs --http-tls-cert FILE and --http-tls-key FILE/,
    );
    expect(() =>
      resolveConfig({
        flags: {},
        env: { GRAPEVINE_HTTP_INSECURE: "maybe" },
        hostname: "h",
      }),
    ).toThrow(/GRAPEVINE_HTTP_INSECURE: expected true or false/);
    expect(() =>
      resolveConfig({
        flags: {},
        env: {},
        file: { path: "c.yaml", data: { httpLimits: { headerTimeout: "fast" } } },
        hostname: "h",
      }),
    ).toThrow(/config file c\.yaml: httpLimits\.headerTimeout/);
    expect(() =>
      resolveConfig({
        flags: {},
        env: {},
        file: { path: "c.yaml", data: { httpLimits: { burst: 1 } } },
        hostname: "h",
      }),
    ).toThrow(/config file c\.yaml: httpLimits: unknown key "burst"/);
    const viaEnv = resolveConfig({
      flags: {},
      env: {
        GRAPEVINE_HTTP_TOKEN_FILE: "/etc/grapevine/tokens.json",
        GRAPEVINE_HTTP_ALLOW_HOSTS: "agent.example,10.0.0.5",
        GRAPEVINE_HTTP_ALLOW_ORIGINS: "https://ops.example",
        GRAPEVINE_HTTP_OPEN: "/health,/metrics",
      },
      hostname: "h",
    }).httpSecurity;
    expect(viaEnv).toMatchObject({
      tokenFile: { path: "/etc/grapevine/tokens.json", label: "GRAPEVINE_HTTP_TOKEN_FILE" },
      allowHosts: ["agent.example", "10.0.0.5"],
      allowOrigins: ["https://ops.example"],
      open: ["/health", "/metrics"],
    });
    expect(config("x", { httpOpen: ["none"] }).httpSecurity.open).toEqual([]);
  });

  it("a bad token file stops the agent with a usage error naming the setting and the entry", async () => {
    const logger = createLogger("silent", false);
    const bad = join(dir, "bad-tokens.json");
    const cases: [string, RegExp][] = [
      ["not json", /--http-token-file .*bad-tokens\.json: not valid JSON/],
      ['{"tokens": {}}', /expected \{"tokens": \[/],
      [
        '{"tokens": [{"name": "a", "scope": "admin", "sha256": "x"}]}',
        /tokens\[0\] \(a\): scope must be one of read, write, keys/,
      ],
      [
        `{"tokens": [{"name": "a", "scope": "read", "sha256": "${"ab".repeat(31)}"}]}`,
        /tokens\[0\] \(a\): sha256 must be 64 hex digits/,
      ],
      [
        '{"tokens": [{"name": "a", "scope": "read", "token": "plain"}]}',
        /unknown field "token" \(store the token's SHA-256/,
      ],
      [
        `{"tokens": [{"name": "a", "scope": "read", "sha256": "${"a".repeat(64)}"}, {"name": "a", "scope": "write", "sha256": "${"b".repeat(64)}"}]}`,
        /tokens\[1\]: the name a is used twice/,
      ],
    ];
    for (const [text, message] of cases) {
      writeFileSync(bad, text);
      await expect(Agent.start(config("bad", { httpTokenFile: bad }), logger)).rejects.toThrow(
        message,
      );
    }
    await expect(
      Agent.start(config("bad", { httpTokenFile: join(dir, "missing.json") }), logger),
    ).rejects.toThrow(/--http-token-file .*missing\.json: cannot read \(no such file\)/);
  });
});
