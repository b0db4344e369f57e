import type { IncomingMessage } from "node:http";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeRule } from "../src/http-api.js";
import { HttpGuard, isLoopbackHost, isSimpleRequest, parseHostHeader } from "../src/http-guard.js";
import { hashToken, parseTokenFile, scopeAllows, TokenSet } from "../src/http-tokens.js";
import { RateLimiter } from "../src/rate-limit.js";

function req(method: string, headers: Record<string, string>): IncomingMessage {
  return { method, headers, socket: {} } as unknown as IncomingMessage;
}

describe("API tokens", () => {
  it("scopes nest: read < write < keys", () => {
    expect(scopeAllows("keys", "write")).toBe(true);
    expect(scopeAllows("write", "read")).toBe(true);
    expect(scopeAllows("write", "keys")).toBe(false);
    expect(scopeAllows("read", "write")).toBe(false);
  });

  it("identifies exactly the tokens whose hash is listed", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[\x21-\x7e]{1,40}$/), { minLength: 2, maxLength: 6 }),
        (tokens) => {
          const [outsider, ...listed] = tokens as [string, ...string[]];
          const set = new TokenSet(
            listed.map((t, i) => ({ name: `t${i}`, scope: "read", sha256: hashToken(t) })),
          );
          expect(listed.map((t) => set.identify(t)?.name)).toEqual(listed.map((_, i) => `t${i}`));
          expect(set.identify(outsider)).toBeUndefined();
        },
      ),
    );
  });

  it("parses hashes in either case and refuses anything that is not an entry", () => {
    const sha = hashToken("x").toUpperCase();
    expect(
      parseTokenFile(`{"tokens":[{"name":"a","scope":"keys","sha256":"${sha}"}]}`, "f"),
    ).toEqual([{ name: "a", scope: "keys", sha256: sha.toLowerCase() }]);
    expect(() => parseTokenFile("[]", "f")).toThrow(/^f: expected/);
    expect(() =>
      parseTokenFile('{"tokens":[{"name":"","scope":"read","sha256":"x"}]}', "f"),
    ).toThrow(/tokens\[0\]: name must be/);
    const twice = `{"tokens":[{"name":"a","scope":"read","sha256":"${hashToken("x")}"},{"name":"b","scope":"read","sha256":"${hashToken("x")}"}]}`;
    expect(() => parseTokenFile(twice, "f")).toThrow(
      /tokens\[1\] \(b\): the same token is listed twice/,
    );
  });
});

describe("browser checks", () => {
  it("a simple request is what a page can send anywhere without a preflight", () => {
    expect(isSimpleRequest(req("POST", {}))).toBe(true);
    expect(isSimpleRequest(req("POST", { "content-type": "text/plain;charset=UTF-8" }))).toBe(true);
    expect(
      isSimpleRequest(req("POST", { "content-type": "multipart/form-data; boundary=x" })),
    ).toBe(true);
    expect(isSimpleRequest(req("POST", { "content-type": "nonsense" }))).toBe(true);
    expect(isSimpleRequest(req("POST", { "content-type": "application/json" }))).toBe(false);
    expect(isSimpleRequest(req("POST", { "x-grapevine-request": "1" }))).toBe(false);
    expect(isSimpleRequest(req("POST", { authorization: "Bearer x" }))).toBe(false);
    expect(isSimpleRequest(req("PUT", { "content-type": "text/plain" }))).toBe(false);
    expect(isSimpleRequest(req("DELETE", {}))).toBe(false);
  });

  it("parses Host headers and knows loopback names", () => {
    expect(parseHostHeader("LocalHost.:7950")).toEqual({ host: "localhost", port: 7950 });
    expect(parseHostHeader("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(parseHostHeader("a.example")).toEqual({ host: "a.example" });
    for (const bad of ["", "a b", "user@a.example", "a.example/x", "[::1"]) {
      expect(parseHostHeader(bad)).toBeUndefined();
    }
    expect(["127.0.0.1", "127.9.9.9", "::1", "localhost"].every(isLoopbackHost)).toBe(true);
    expect(["0.0.0.0", "10.0.0.1", "::", "localhost.evil.example"].some(isLoopbackHost)).toBe(
      false,
    );
  });

  it("accepts its own names and origins, configured ones, and nothing else", () => {
    const guard = new HttpGuard({
      scheme: "https",
      bindHost: "10.0.0.5",
      port: () => 7950,
      allowHosts: ["agent.example"],
      allowOrigins: ["https://ops.example"],
      openPaths: new Set(),
      tokens: () => undefined,
    });
    for (const host of ["10.0.0.5", "agent.example", "localhost", "127.0.0.1"]) {
      expect(guard.isOwnName(host)).toBe(true);
    }
    expect(guard.isOwnName("evil.example")).toBe(false);
    expect(guard.isOwnName("10.0.0.6")).toBe(false);
    expect(guard.isAllowedOrigin("https://agent.example:7950")).toBe(true);
    expect(guard.isAllowedOrigin("https://ops.example")).toBe(true);
    expect(guard.isAllowedOrigin("http://agent.example:7950")).toBe(false);
    expect(guard.isAllowedOrigin("https://agent.example")).toBe(false);
    expect(guard.isAllowedOrigin("https://evil.example:7950")).toBe(false);
    expect(guard.checkSite(req("GET", { host: "agent.example:7950" }))).toBeUndefined();
    expect(guard.checkSite(req("GET", { host: "evil.example:7950" }))?.status).toBe(421);
  });
});

describe("route rules", () => {
  it("give each route the scope it needs before any body is read", () => {
    const rule = (m: string, p: string) => routeRule(m, p.split("/").filter(Boolean));
    expect(rule("GET", "/v1/members")).toMatchObject({ scope: "read", changes: false });
    expect(rule("PUT", "/v1/kv/k")).toMatchObject({ scope: "write", changes: true });
    expect(rule("DELETE", "/v1/tags")).toMatchObject({ scope: "write", changes: true });
    expect(rule("POST", "/v1/leave")).toMatchObject({ scope: "write", changes: true });
    expect(rule("GET", "/v1/keys")).toMatchObject({ scope: "keys", changes: false, costly: true });
    expect(rule("POST", "/v1/keys/install")).toMatchObject({ scope: "keys", changes: true });
    expect(rule("POST", "/v1/keys/%69nstall")).toMatchObject({ scope: "keys", changes: true });
    expect(rule("POST", "/v1/keys/rotate")).toMatchObject({ scope: "keys", changes: false });
    expect(rule("GET", "/metrics")).toMatchObject({ scope: "read" });
    expect(rule("POST", "/v1/nothing")).toMatchObject({ scope: "read", changes: false });
  });
});

describe("the write rate limit", () => {
  it("allows a burst, then the sustained rate, per client", () => {
    const limiter = new RateLimiter(2, 3);
    expect([0, 0, 0].map(() => limiter.take("a", 1000))).toEqual([0, 0, 0]);
    expect(limiter.take("a", 1000)).toBe(500);
    expect(limiter.take("b", 1000)).toBe(0);
    expect(limiter.take("a", 1500)).toBe(0);
    expect(limiter.take("a", 1500)).toBe(500);
    expect(limiter.take("a", 10_000)).toBe(0);
    expect(new RateLimiter(0, 0).take("a", 0)).toBe(0);
  });
});
