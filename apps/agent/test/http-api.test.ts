import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../src/agent.js";
import { resolveConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { SseParser } from "../src/sse-parser.js";
import { getJson, openEvents, waitForKey, waitForMember } from "./helpers/cli-process.js";

function config(name: string, extra: Record<string, unknown> = {}) {
  return resolveConfig({
    flags: { name, bind: ["udp://127.0.0.1:0"], http: "127.0.0.1:0", preset: "local", ...extra },
    env: {},
    hostname: "unused",
  });
}

const logger = createLogger("silent", false);
let a: Agent;
let b: Agent;

beforeAll(async () => {
  a = await Agent.start(
    config("api-a", { tags: ["role=web"], bind: ["udp://127.0.0.1:0", "ws://127.0.0.1:0/gossip"] }),
    logger,
  );
  b = await Agent.start(config("api-b", { join: a.cluster.addresses }), logger);
  expect((await b.joined).kind).toBe("joined");
  await waitForMember(a.httpUrl, "api-b", "alive");
});

afterAll(async () => {
  for (const agent of [a, b]) {
    if (!agent) continue;
    await agent.shutdown();
    await agent.close();
  }
});

async function call(
  agent: Agent,
  method: string,
  path: string,
  body?: string,
  type?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(agent.httpUrl + path, {
    method,
    ...(body !== undefined ? { body } : {}),
    headers: { ...headers, ...(type ? { "content-type": type } : {}) },
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

describe("HTTP API", () => {
  it("GET /v1/members lists members, filtered by status", async () => {
    const { status, body } = await getJson<{
      members: { name: string; status: string; local: boolean; tags: object }[];
    }>(a.httpUrl, "/v1/members");
    expect(status).toBe(200);
    expect(body.members.map((m) => [m.name, m.status, m.local])).toEqual([
      ["api-a", "alive", true],
      ["api-b", "alive", false],
    ]);
    expect(body.members[0]?.tags).toEqual({ role: "web" });
    expect((await call(a, "GET", "/v1/members?status=dead")).json).toEqual({ members: [] });
    const bad = await call(a, "GET", "/v1/members?status=zombie");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: "bad-request", message: /status must be/ });
  });

  it("PUT, GET and DELETE /v1/kv with raw and JSON bodies; the key spreads", async () => {
    const put = await call(a, "PUT", "/v1/kv/color", "blue");
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ node: "api-a", key: "color" });
    const json = await call(
      a,
      "PUT",
      "/v1/kv/shape",
      JSON.stringify({ value: "round" }),
      "application/json",
    );
    expect(json.json.version).toBeGreaterThan(put.json.version);
    const bin = await call(
      a,
      "PUT",
      "/v1/kv/bin",
      JSON.stringify({ value: "AP8=", encoding: "base64" }),
      "application/json",
    );
    expect(bin.status).toBe(200);
    expect((await call(a, "GET", "/v1/kv/color")).json).toMatchObject({
      node: "api-a",
      key: "color",
      value: "blue",
    });
    expect((await call(a, "GET", "/v1/kv/bin")).json).toMatchObject({
      value: "AP8=",
      encoding: "base64",
    });

    await waitForKey(b.httpUrl, "api-a", "bin", "AP8=");
    expect((await call(b, "GET", "/v1/kv/color?owner=api-a")).json.value).toBe("blue");
    const all = await call(b, "GET", "/v1/kv");
    expect(
      all.json.entries
        .filter((e: { node: string }) => e.node === "api-a")
        .map((e: { key: string }) => e.key),
    ).toEqual(["bin", "color", "shape"]);

    expect((await call(a, "DELETE", "/v1/kv/color")).json).toEqual({
      node: "api-a",
      key: "color",
      deleted: true,
    });
    expect((await call(a, "GET", "/v1/kv/color")).status).toBe(404);
    const again = await call(a, "DELETE", "/v1/kv/color");
    expect(again.status).toBe(404);
    expect(again.json.error.message).toMatch(/no key "color" on api-a/);
  });

  it("rejects bad requests with JSON errors and fitting statuses", async () => {
    expect((await call(a, "GET", "/v1/nothing")).status).toBe(404);
    expect((await call(a, "GET", "/elsewhere")).json).toEqual({
      error: { code: "not-found", message: "no route /elsewhere" },
    });
    const wrong = await call(a, "POST", "/v1/members");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    expect(wrong.json.error).toMatchObject({ code: "method-not-allowed", allow: ["GET"] });
    expect((await call(a, "PUT", "/v1/kv/x", "{nope", "application/json")).status).toBe(400);
    expect(
      (await call(a, "PUT", "/v1/kv/x", JSON.stringify({ value: 1 }), "application/json")).status,
    ).toBe(400);
    const big = await call(a, "PUT", "/v1/kv/big", "x".repeat(1024 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(big.json.error).toMatchObject({ code: "too-large", limit: 1024 * 1024 });
    const tooLong = await call(a, "PUT", "/v1/kv/long", "x".repeat(5000));
    expect(tooLong.status).toBe(413);
    expect(tooLong.json.error).toMatchObject({ code: "too-large", actual: 5000 });
    expect(tooLong.json.error.message).toMatch(/limit of \d+ bytes/);
  });

  it("PUT and DELETE /v1/tags change the node's advertised tags", async () => {
    const events = await openEvents(b.httpUrl);
    try {
      const put = await call(
        a,
        "PUT",
        "/v1/tags",
        JSON.stringify({ zone: "eu" }),
        "application/json",
      );
      expect(put.json).toEqual({ tags: { role: "web", zone: "eu" } });
      await events.next(
        (e) =>
          e.type === "member-updated" &&
          (e.member as { tags?: { zone?: string } })?.tags?.zone === "eu",
        "tags update at b",
      );
      const del = await call(a, "DELETE", "/v1/tags?key=role");
      expect(del.json).toEqual({ tags: { zone: "eu" } });
      expect((await call(a, "GET", "/v1/tags")).json).toEqual({ tags: { zone: "eu" } });
      expect((await call(a, "DELETE", "/v1/tags")).status).toBe(400);
    } finally {
      events.close();
    }
  });

  it("GET /v1/events streams key events as Server-Sent Events", async () => {
    const res = await fetch(`${b.httpUrl}/v1/events`);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await call(a, "PUT", "/v1/kv/sse", "streamed");
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let found: Record<string, unknown> | undefined;
    while (!found) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const e of parser.push(decoder.decode(value, { stream: true }))) {
        const data = JSON.parse(e.data) as Record<string, unknown>;
        if (e.event === "key-changed" && data.key === "sse") found = data;
      }
    }
    await reader.cancel();
    expect(found).toMatchObject({
      type: "key-changed",
      node: "api-a",
      key: "sse",
      value: "streamed",
    });
    expect(found?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("GET /v1/info, /health and /metrics report the node", async () => {
    const info = (await call(a, "GET", "/v1/info")).json;
    expect(info).toMatchObject({
      name: "api-a",
      status: "running",
      health: 0,
      members: { alive: 2, suspect: 0, dead: 0, left: 0 },
      config: { preset: "local" },
    });
    expect(info.counters.cluster.packetsIn).toBeGreaterThan(0);
    expect((await call(a, "GET", "/health")).json).toEqual({
      status: "ok",
      state: "healthy",
      health: 0,
    });

    const metrics = await fetch(`${a.httpUrl}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await metrics.text();
    for (const line of [
      /^grapevine_members\{status="alive"\} 2$/m,
      /^grapevine_packets_total\{direction="in"\} [1-9]/m,
      /^grapevine_bytes_total\{direction="out"\} [1-9]/m,
      /^grapevine_dropped_packets_total\{reason="malformed"\} 0$/m,
      /^grapevine_probes_total\{result="acked"\} \d+$/m,
      /^grapevine_suspicions_total \d+$/m,
      /^grapevine_refutations_total \d+$/m,
      /^grapevine_stale_claims_answered_total \d+$/m,
      /^grapevine_suspicion_last_calls_total \d+$/m,
      /^grapevine_push_pulls_total\{result="ok"\} \d+$/m,
      /^grapevine_push_pull_seconds_total [\d.e-]+$/m,
      /^grapevine_health_score 0$/m,
      /^grapevine_events_dropped_total 0$/m,
      /^grapevine_gossip_queue_depth\{queue="membership"\} \d+$/m,
      /^grapevine_gossip_queue_depth\{queue="state"\} \d+$/m,
      /^# TYPE grapevine_packets_total counter$/m,
      /^grapevine_agent_process_cpu_seconds_total /m,
      /^grapevine_udp_frames_refused_over_budget_total\{bind="udp:\/\/127\.0\.0\.1:\d+"\} 0$/m,
      /^grapevine_udp_buffered_frame_bytes\{bind="udp:\/\/127\.0\.0\.1:\d+"\} 0$/m,
    ]) {
      expect(text).toMatch(line);
    }
  });

  it("an agent on WebSocket only joins through a ws:// address", async () => {
    const ws = a.cluster.addresses.find((x) => x.startsWith("ws://"));
    expect(ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/gossip$/);
    const c = await Agent.start(
      config("api-ws", { bind: ["ws://127.0.0.1:0/gossip"], join: [ws] }),
      logger,
    );
    try {
      expect(c.readyLine()).toMatch(
        /^agent api-ws listening on ws:\/\/127\.0\.0\.1:\d+\/gossip, http http:/,
      );
      expect((await c.joined).kind).toBe("joined");
      await waitForMember(c.httpUrl, "api-b", "alive");
      await waitForMember(b.httpUrl, "api-ws", "alive");
    } finally {
      await c.leave();
      await c.close();
    }
  });

  it("POST /v1/leave leaves gracefully: the other side sees left", async () => {
    const seen = await openEvents(a.httpUrl);
    try {
      // A bare POST is what any web page can send: the CLI marks its requests as its own.
      const res = await call(b, "POST", "/v1/leave", undefined, undefined, {
        "x-grapevine-request": "1",
      });
      expect(res.json).toEqual({ name: "api-b", status: "left" });
      await b.finished;
      await seen.next(
        (e) => e.type === "member-left" && e.member?.name === "api-b",
        "api-b left at a",
      );
    } finally {
      seen.close();
    }
  });
});
