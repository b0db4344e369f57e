import SwaggerParser from "@apidevtools/swagger-parser";
import { PROBE_RTT_BOUNDS_MS } from "@grapevine/cluster";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Agent } from "../src/agent.js";
import { resolveConfig } from "../src/config.js";
import { LogHub } from "../src/log-hub.js";
import { createLogger } from "../src/logger.js";
import { SseParser } from "../src/sse-parser.js";
import { runCliInProcess } from "./helpers/cli-in-process.js";
import { AgentHandle, killAll, openEvents, waitForMember } from "./helpers/cli-process.js";

function config(name: string, extra: Record<string, unknown> = {}) {
  return resolveConfig({
    flags: { name, bind: ["udp://127.0.0.1:0"], http: "127.0.0.1:0", preset: "local", ...extra },
    env: {},
    hostname: "unused",
  });
}

const silent = createLogger("silent", false);
const hub = new LogHub();
const agents: Agent[] = [];
let a: Agent;
let b: Agent;
let c: Agent;

async function run(args: string[]) {
  return runCliInProcess(args);
}

async function call(agent: Agent, method: string, path: string, body?: unknown) {
  const res = await fetch(agent.httpUrl + path, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
      : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : {} };
}

beforeAll(async () => {
  a = await Agent.start(config("op-a", { tags: ["role=web"] }), createLogger("info", true, hub), {
    logs: hub,
  });
  agents.push(a);
  b = await Agent.start(config("op-b", { join: a.cluster.addresses, tags: ["role=db"] }), silent);
  agents.push(b);
  c = await Agent.start(config("op-c", { join: a.cluster.addresses }), silent);
  agents.push(c);
  for (const n of ["op-b", "op-c"]) await waitForMember(a.httpUrl, n, "alive");
  for (const agent of [b, c]) await waitForMember(agent.httpUrl, "op-c", "alive");
  await waitForMember(c.httpUrl, "op-b", "alive");
}, 60_000);

afterAll(async () => {
  killAll();
  for (const agent of agents) {
    await agent.shutdown();
    await agent.close();
  }
});

describe("the HTTP API's contract", () => {
  it("serves an OpenAPI 3 document that validates, listing every route", async () => {
    const { status, json } = await call(a, "GET", "/v1/openapi.json");
    expect(status).toBe(200);
    await SwaggerParser.validate(structuredClone(json));
    for (const path of [
      "/v1/members",
      "/v1/kv/{key}",
      "/v1/query",
      "/v1/events",
      "/metrics",
      "/v1/rtt",
    ]) {
      expect(Object.keys(json.paths)).toContain(path);
    }
  });

  it("refuses unknown query parameters by name, answers HEAD on GET routes, sends the index", async () => {
    const bad = await call(a, "GET", "/v1/members?node=x");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: "bad-request", parameter: "node" });
    expect(bad.json.error.message).toMatch(/unknown query parameter "node"/);
    for (const path of ["/metrics", "/v1/members", "/health", "/v1/info", "/v1/events"]) {
      const head = await fetch(a.httpUrl + path, { method: "HEAD" });
      expect(head.status, path).toBe(200);
      expect(Number(head.headers.get("x-grapevine-index")), path).toBeGreaterThanOrEqual(0);
    }
    const metrics = await (await fetch(`${a.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/grapevine_build_info\{version="[^"]+",node="v\d/);
    expect(metrics).toMatch(/grapevine_health_state\{state="healthy"\} 1/);
  });

  it("keys may contain / as written; ?owner, ?recurse and ?prefix read across owners", async () => {
    expect((await call(a, "PUT", "/v1/kv/app/db/url", { value: "pg://a" })).status).toBe(200);
    expect((await call(b, "PUT", "/v1/kv/app/db/url", { value: "pg://b" })).status).toBe(200);
    const own = await call(a, "GET", "/v1/kv/app/db/url");
    expect(own.json).toMatchObject({ node: "op-a", key: "app/db/url", value: "pg://a" });
    const index = Number(own.headers.get("x-grapevine-index"));
    // A blocking read on a's view returns once b's key arrives.
    const other = await call(a, "GET", `/v1/kv/app/db/url?owner=op-b&index=0&wait=5s`);
    if (other.status === 404) {
      await call(a, "GET", `/v1/kv/app?recurse&index=${index}&wait=10s`);
    }
    const listed = await call(a, "GET", "/v1/kv/app/?recurse");
    expect(listed.json.entries.map((e: { node: string; key: string }) => e.node)).toContain("op-a");
    const prefix = await call(a, "GET", "/v1/kv?prefix=app/db");
    expect(prefix.json.entries.every((e: { key: string }) => e.key.startsWith("app/db"))).toBe(
      true,
    );
    // c reads op-a's key once gossip has brought it there: blocking reads wait for it.
    const deadline = performance.now() + 10_000;
    for (;;) {
      const atC = await call(c, "GET", "/v1/kv/app/db/url?owner=op-a&index=0&wait=5s");
      if (atC.status === 200 || performance.now() > deadline) break;
      const seen = Number(atC.headers.get("x-grapevine-index") ?? 0);
      await call(c, "GET", `/v1/kv/app?recurse&index=${seen}&wait=2s`);
    }
    const get = await run(["get", "op-a", "app/db/url", "--http", c.httpUrl]);
    expect(get).toMatchObject({ code: 0, stdout: "pg://a\n" });
  });

  it("a blocking read returns within 100 ms of the change", async () => {
    const first = await call(b, "GET", "/v1/kv/watched?owner=op-a&recurse");
    const index = Number(first.headers.get("x-grapevine-index"));
    const started = Date.now();
    const blocked = call(b, "GET", `/v1/kv/watched?recurse&owner=op-a&index=${index}&wait=20s`);
    const events = await openEvents(b.httpUrl);
    try {
      await call(a, "PUT", "/v1/kv/watched", { value: "now" });
      const seen = await events.next(
        (e) => e.type === "key-changed" && e.key === "watched",
        "watched",
      );
      const seenAt = Date.now();
      const answer = await blocked;
      expect(answer.json.entries[0]).toMatchObject({ key: "watched", value: "now" });
      expect(Number(answer.headers.get("x-grapevine-index"))).toBeGreaterThan(index);
      expect(Date.now() - seenAt).toBeLessThan(100);
      expect(seen).toBeDefined();
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      events.close();
    }
  });

  it("SSE events carry id:, a reconnect with Last-Event-ID replays the missed change, a stale id gets reset", async () => {
    const index = Number((await call(b, "GET", "/v1/members")).headers.get("x-grapevine-index"));
    await call(a, "PUT", "/v1/kv/missed", { value: "while-away" });
    await call(b, "GET", `/v1/kv/missed?owner=op-a&index=${index}&wait=10s`);
    const read = async (headers: Record<string, string>) => {
      const controller = new AbortController();
      const res = await fetch(`${b.httpUrl}/v1/events`, { headers, signal: controller.signal });
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let raw = "";
      const out: { event: string; data: string }[] = [];
      const deadline = setTimeout(() => controller.abort(), 10_000);
      try {
        while (!out.some((e) => e.event === "reset" || e.data.includes("while-away"))) {
          const { value, done } = await reader.read();
          if (done) break;
          const text = decoder.decode(value, { stream: true });
          raw += text;
          out.push(...parser.push(text));
        }
      } finally {
        clearTimeout(deadline);
        controller.abort();
      }
      return { out, raw };
    };
    const replay = await read({ "last-event-id": String(index) });
    expect(replay.out.some((e) => e.event === "key-changed" && e.data.includes("while-away"))).toBe(
      true,
    );
    expect(replay.raw).toMatch(/^id: \d+$/m);
    const stale = await read({ "last-event-id": "999999999" });
    expect(stale.out[0]?.event).toBe("reset");
  });
});

describe("the operator's verbs", () => {
  it("members filters by tag regex and name regex", async () => {
    const r = await run([
      "members",
      "--tag",
      "role=^d",
      "--name",
      "op-",
      "--json",
      "--http",
      a.httpUrl,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((m: { name: string }) => m.name)).toEqual(["op-b"]);
    const bad = await run(["members", "--name", "(", "--http", a.httpUrl]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/name: not a regular expression/);
  });

  it("an event sent on one agent arrives on the others' event streams", async () => {
    const events = await openEvents(c.httpUrl);
    try {
      const sent = await run(["event", "deploy", "v42", "--http", a.httpUrl]);
      expect(sent).toMatchObject({ code: 0 });
      const got = await events.next(
        (e) => e.type === "user-message" && e.name === "deploy",
        "deploy event at c",
      );
      expect(Buffer.from(String(got.payload), "base64").toString()).toBe("v42");
    } finally {
      events.close();
    }
  });

  it("an event sent with the CLI on one agent arrives in `grapevine watch` on another", async () => {
    const watch = AgentHandle.command(["watch", "--json", "--http", b.httpUrl]);
    try {
      await watch.waitOutput("watch connected", () =>
        watch.stderr.includes("watching events") ? true : undefined,
      );
      const sent = await run(["event", "release", "v43", "--http", a.httpUrl]);
      expect(sent).toMatchObject({ code: 0, stdout: "event release sent (3 bytes)\n" });
      const line = await watch.waitOutput("release event in watch", () =>
        watch.stdout.split("\n").find((l) => l.includes('"name":"release"')),
      );
      const event = JSON.parse(line);
      expect(event).toMatchObject({ type: "user-message", from: "op-a", name: "release" });
      expect(Buffer.from(String(event.payload), "base64").toString()).toBe("v43");
    } finally {
      watch.child.kill("SIGTERM");
    }
  });

  it("a burst of events sent with coalesce reaches another agent as its newest, the burst counted", async () => {
    const events = await openEvents(b.httpUrl);
    try {
      for (let i = 1; i <= 5; i++) {
        const sent = await call(a, "POST", "/v1/event", {
          name: "burst",
          payload: `v${i}`,
          coalesce: true,
        });
        expect(sent.status).toBe(200);
      }
      const sentinel = await run(["event", "after-burst", "--http", a.httpUrl]);
      expect(sentinel.code).toBe(0);
      // Collect every burst event b delivers, before and after the plain event sent after the
      // burst (the burst is held until 200 ms of quiet), until all five are accounted for.
      const delivered: Array<Record<string, unknown>> = [];
      let after = false;
      const count = () => delivered.reduce((n, e) => n + Number(e.coalesced ?? 1), 0);
      await events.next((e) => {
        if (e.type === "user-message" && e.name === "burst") delivered.push(e);
        if (e.type === "user-message" && e.name === "after-burst") after = true;
        return after && count() >= 5;
      }, "the plain event and the whole burst at b");
      // Fewer deliveries than events sent; each counts what it stands for, and none is lost.
      expect(delivered.length).toBeLessThan(5);
      expect(delivered.reduce((n, e) => n + Number(e.coalesced ?? 1), 0)).toBe(5);
      expect(delivered.every((e) => e.coalesce === true)).toBe(true);
      expect(Buffer.from(String(delivered.at(-1)?.payload), "base64").toString()).toBe("v5");
    } finally {
      events.close();
    }
  });

  it("query prints an answer from every member, then a summary", async () => {
    const r = await run(["query", "ping", "--timeout", "3s", "--http", a.httpUrl]);
    expect(r.code).toBe(0);
    for (const n of ["op-a", "op-b", "op-c"])
      expect(r.stdout).toMatch(new RegExp(`^${n} ${n}$`, "m"));
    expect(r.stdout).toMatch(/responses: 3 of 3\n$/);
    const web = await run([
      "query",
      "ping",
      "--tag",
      "role=web",
      "--timeout",
      "3s",
      "--http",
      b.httpUrl,
    ]);
    expect(web.stdout).toMatch(/^op-a op-a$/m);
    expect(web.stdout).not.toMatch(/^op-b op-b$/m);
    const reach = await run(["reachability", "--http", c.httpUrl]);
    expect(reach).toMatchObject({ code: 0, stdout: "3 of 3 members answered\n" });
  });

  it("monitor streams log lines; join reports why a seed failed; bad input names the field", async () => {
    const res = await fetch(`${a.httpUrl}/v1/monitor?level=info`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const joined = await run(["join", "udp://127.0.0.1:9", "--http", a.httpUrl]);
    expect(joined.code).toBe(1);
    expect(joined.stderr).toMatch(/udp:\/\/127\.0\.0\.1:9: refused: .*ECONNREFUSED/);
    const route = await call(a, "POST", "/v1/join", { addresses: ["udp://127.0.0.1:9"] });
    expect(route.status).toBe(502);
    expect(route.json).toMatchObject({
      joined: 0,
      failures: [{ seed: "udp://127.0.0.1:9", code: "refused" }],
    });
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes("join requested through the API")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    expect(text).toMatch(/event: log/);
    const big = await run(["tags", "set", `big=${"x".repeat(2000)}`, "--http", a.httpUrl]);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/1024 bytes/);
    const http = await call(a, "PUT", "/v1/tags", { big: "x".repeat(2000) });
    expect(http.status).toBe(413);
    expect(http.json.error).toMatchObject({ code: "too-large", limit: 1024 });
  });

  it("rtt estimates the round trip between two agents from their network coordinates", async () => {
    // Coordinates come with the acks of a's probes: wait until a has probed both others.
    await vi.waitFor(
      () => {
        expect(a.cluster.coordinateOf("op-b")).toBeDefined();
        expect(a.cluster.coordinateOf("op-c")).toBeDefined();
      },
      { timeout: 20_000, interval: 50 },
    );
    const own = await run(["rtt", "op-b", "--http", a.httpUrl]);
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(/^estimated op-b <-> op-a rtt: \d+\.\d{3} ms\n$/);
    const pair = await call(a, "GET", "/v1/rtt?a=op-b&b=op-c");
    expect(pair.status).toBe(200);
    expect(pair.json).toMatchObject({ a: { name: "op-b" }, b: { name: "op-c" } });
    expect(pair.json.a.coordinate.vec).toHaveLength(8);
    // Loopback: well under a second, and never negative.
    expect(pair.json.rttMs).toBeGreaterThan(0);
    expect(pair.json.rttMs).toBeLessThan(1000);
    const json = await run(["rtt", "op-b", "op-c", "--json", "--http", a.httpUrl]);
    expect(JSON.parse(json.stdout).rttMs).toBeCloseTo(a.cluster.rtt("op-b", "op-c") ?? -1, 1);
    const unknown = await run(["rtt", "nobody", "--http", a.httpUrl]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no member named nobody/);
    const missing = await call(a, "GET", "/v1/rtt");
    expect(missing.status).toBe(400);
  });

  it("/metrics has the probe round-trip histogram, cumulative, from the core's samples", async () => {
    const text = await (await fetch(`${a.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^# TYPE grapevine_probe_rtt_seconds histogram$/m);
    const buckets = [
      ...text.matchAll(/^grapevine_probe_rtt_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm),
    ];
    expect(buckets.map((m) => m[1])).toEqual([
      ...PROBE_RTT_BOUNDS_MS.map((ms) => String(ms / 1000)),
      "+Inf",
    ]);
    const counts = buckets.map((m) => Number(m[2]));
    for (let i = 1; i < counts.length; i++)
      expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    const count = Number(/^grapevine_probe_rtt_seconds_count (\d+)$/m.exec(text)?.[1]);
    const sum = Number(/^grapevine_probe_rtt_seconds_sum (\S+)$/m.exec(text)?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(counts.at(-1)).toBe(count);
    // Loopback round trips: the mean is well under the local preset's probe timeout.
    expect(sum / count).toBeLessThan(0.2);
    expect(count).toBeLessThanOrEqual(a.cluster.counters.probeRtt.count);
  });

  it("/metrics counts failed UDP sends by errno", async () => {
    const udp = a.transports.find((t) => t.transport.scheme === "udp")!;
    // A broadcast from a socket without SO_BROADCAST: the kernel refuses it (EACCES).
    udp.transport.send("udp://255.255.255.255:9", Uint8Array.of(1));
    const series = (text: string) =>
      Number(
        /^grapevine_udp_send_errors_total\{bind="[^"]+",errno="EACCES"\} (\d+)$/m.exec(text)?.[1] ??
          0,
      );
    await vi.waitFor(
      async () => {
        expect(series(await (await fetch(`${a.httpUrl}/metrics`)).text())).toBe(1);
      },
      { timeout: 5_000, interval: 20 },
    );
  });

  it("force-leave moves a killed agent process (SIGKILL) to left everywhere", async () => {
    const d = await new AgentHandle([
      ...["--name", "op-d", "--bind", "udp://127.0.0.1:0", "--http", "127.0.0.1:0"],
      ...["--preset", "local", "--join", a.cluster.addresses[0]!],
    ]).ready();
    await waitForMember(b.httpUrl, "op-d", "alive");
    d.kill("SIGKILL");
    expect((await d.exit()).signal).toBe("SIGKILL");
    await waitForMember(a.httpUrl, "op-d", "dead", 30_000);
    const r = await run(["force-leave", "op-d", "--http", a.httpUrl]);
    expect(r).toMatchObject({ code: 0, stdout: "op-d: forced to leave\n" });
    for (const agent of [a, b, c]) await waitForMember(agent.httpUrl, "op-d", "left");
  }, 60_000);

  it("force-leave moves a stopped agent to left everywhere", async () => {
    await c.shutdown();
    await waitForMember(a.httpUrl, "op-c", "dead", 30_000);
    const r = await run(["force-leave", "op-c", "--http", a.httpUrl]);
    expect(r).toMatchObject({ code: 0 });
    await waitForMember(a.httpUrl, "op-c", "left");
    await waitForMember(b.httpUrl, "op-c", "left");
    const alive = await run(["force-leave", "op-b", "--http", a.httpUrl]);
    expect(alive.code).toBe(1);
  });
});
