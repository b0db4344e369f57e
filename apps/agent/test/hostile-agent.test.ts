import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The attacker's tools of the cluster's own hostile test (raw dgram/net sockets, a seeded
// generator, framing, and the codec's verdict on each packet), reused by relative path.
import {
  CODEC_REASONS,
  expectedDrops,
  frame,
  lengthPrefix,
  packet,
  RawTcp,
  RawUdp,
  seeded,
  total,
  waitFor,
} from "../../../packages/cluster/test/hostile-helpers.js";
import { SseParser } from "../src/sse-parser.js";
import {
  AgentHandle,
  getJson,
  killAll,
  type StreamedEvent,
  waitForMember,
} from "./helpers/cli-process.js";

// Hostile input against a LIVE AGENT PROCESS: three `grapevine agent` processes on loopback,
// joined, and an attacker in this test process throwing junk, truncated, oversized, wrong-version
// and forged packets at the target's UDP port, and abusive connections at its TCP stream port
// (the same port number). Everything is checked from the outside only: the process is still
// running, its HTTP API answers, membership is intact in every view, its RSS is bounded, and each
// dropped packet is counted under its reason in /v1/info (and /metrics).

const LOCAL = ["--bind", "udp://127.0.0.1:0", "--http", "127.0.0.1:0", "--preset", "local"];
/** The agents run without a label: the codec's verdict is computed with the empty label. */
const LIMITS = { maxPacketBytes: 1400, label: "" };
/** The UDP transport's handshake deadline in the agent (transport default), ms. */
const CONNECT_TIMEOUT_MS = 5000;
/** The stream deadline of the `local` preset, ms. */
const STREAM_TIMEOUT_MS = 5000;
const RSS_LIMIT_BYTES = 400 * 1024 * 1024;
const CODEC_REASON_SET = new Set<string>(CODEC_REASONS);

type Drops = Record<string, number>;
type Message = Parameters<typeof packet>[0][number];
interface MemberView {
  name: string;
  status: string;
  incarnation: number;
  local: boolean;
}

let target: AgentHandle;
let others: AgentHandle[] = [];
let raw: RawUdp;
let port = 0;
let seq = 2_000_000;

async function drops(h: AgentHandle = target): Promise<Drops> {
  const { body } = await getJson<{ counters: { cluster: { drops: Drops } } }>(h.http, "/v1/info");
  return body.counters.cluster.drops;
}

/** Growth of each reason since `before`, listing only reasons that grew (codec ones if `codec`). */
function delta(before: Drops, now: Drops, codec = false): Drops {
  const out: Drops = {};
  for (const [r, n] of Object.entries(now)) {
    const d = n - (before[r] ?? 0);
    if (d !== 0 && (!codec || CODEC_REASON_SET.has(r))) out[r] = d;
  }
  return out;
}

/** Polls an async condition every 25 ms until it holds, or fails after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Records every event an agent streams; resolves once the stream is open. */
async function record(h: AgentHandle): Promise<{ events: StreamedEvent[]; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${h.http}/v1/events`, { signal: controller.signal });
  const events: StreamedEvent[] = [];
  const parser = new SseParser();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        for (const e of parser.push(decoder.decode(chunk, { stream: true }))) {
          events.push(JSON.parse(e.data) as StreamedEvent);
        }
      }
    } catch {
      // Closed by the test.
    }
  })();
  return { events, close: () => controller.abort() };
}

function alive(h: AgentHandle): boolean {
  return h.child.exitCode === null && h.child.signalCode === null;
}

async function members(h: AgentHandle): Promise<MemberView[]> {
  return (await getJson<{ members: MemberView[] }>(h.http, "/v1/members")).body.members;
}

async function selfIncarnation(): Promise<number> {
  return (await members(target)).find((m) => m.local)!.incarnation;
}

/**
 * Throws `packets` at the target's UDP port in batches, waiting after each batch until the target
 * has counted what the codec rejects in it (so the kernel buffer never overflows), then checks the
 * codec drops grew by exactly what the codec says of each packet.
 */
async function throwDatagrams(packets: readonly Uint8Array[], batch = 100): Promise<Drops> {
  const before = await drops();
  const expected = expectedDrops(packets, LIMITS) as Drops;
  let failures = 0;
  for (let i = 0; i < packets.length; i += batch) {
    const slice = packets.slice(i, i + batch);
    failures += total(expectedDrops(slice, LIMITS));
    await Promise.all(slice.map((p) => raw.send(port, p)));
    const want = failures;
    await until(
      async () => total(delta(before, await drops(), true)) >= want,
      5000,
      `target to count ${want} rejected datagrams`,
    );
  }
  const now = await drops();
  expect(delta(before, now, true)).toEqual(expected);
  expect(now.internal).toBe(0);
  return expected;
}

/** The target process runs, answers /health, sees the others alive and is seen alive; RSS bounded. */
async function expectHealthy(): Promise<void> {
  expect(alive(target), target.stderr).toBe(true);
  const health = await fetch(`${target.http}/health`, { signal: AbortSignal.timeout(5000) });
  expect(health.status).toBe(200);
  expect(((await health.json()) as { status: string }).status).toMatch(/^(ok|degraded)$/);
  await Promise.all([
    ...others.map((o) => waitForMember(target.http, o.name, "alive", 15_000)),
    ...others.map((o) => waitForMember(o.http, target.name, "alive", 15_000)),
  ]);
  expect(rssBytes(target.child.pid!)).toBeLessThan(RSS_LIMIT_BYTES);
  // A fresh, valid ping is still answered on the datagram channel.
  const s = seq++;
  const ping: Message = {
    type: "ping",
    seq: s,
    target: target.name,
    source: "prober",
    sourceAddresses: [raw.address],
  };
  await raw.send(port, packet([ping], ""));
  await waitFor(() => raw.acked(s, target.name), 3000, "an ack to a fresh ping");
  expect(alive(target), target.stderr).toBe(true);
}

describe("a live agent process under hostile input (UDP + TCP loopback)", () => {
  beforeAll(async () => {
    target = await new AgentHandle([...LOCAL, "--name", "target"]).ready();
    const seed = target.addresses[0]!;
    port = Number(new URL(seed).port);
    others = await Promise.all(
      ["bravo", "charlie"].map((n) =>
        new AgentHandle([...LOCAL, "--name", n, "--join", seed]).ready(),
      ),
    );
    raw = await RawUdp.open();
    await expectHealthy();
  }, 40_000);

  afterAll(async () => {
    killAll();
    await raw?.close();
  });

  it("3,000 seeded random datagrams: each counted under the codec's reason", async () => {
    const rng = seeded(0x5eed);
    const base = [
      packet([{ type: "ping", seq: 7, target: "nobody", source: "x", sourceAddresses: [] }], ""),
      packet([{ type: "nack", seq: 9, source: "x" }], ""),
      packet(
        [
          {
            type: "user",
            from: "x",
            name: "junk",
            payload: new Uint8Array(40),
            coalesce: false,
            ltime: 0,
          },
        ],
        "",
      ),
    ];
    const header = Uint8Array.from([0x08, 0x01]); // version 1, no label
    const packets: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      let p: Uint8Array;
      if (i % 3 === 0) {
        p = new Uint8Array(rng.int(1401));
        for (let j = 0; j < p.length; j++) p[j] = rng.int(256);
      } else if (i % 3 === 1) {
        const tail = new Uint8Array(rng.int(200));
        for (let j = 0; j < tail.length; j++) tail[j] = rng.int(256);
        p = Uint8Array.from([...header, ...tail]);
      } else {
        p = Uint8Array.from(base[rng.int(base.length)]!);
        for (let k = 1 + rng.int(3); k > 0; k--) p[rng.int(p.length)] = rng.int(256);
      }
      packets.push(p);
    }
    const expected = await throwDatagrams(packets);
    expect(total(expected)).toBeGreaterThan(2000);
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(3);
    await expectHealthy();
  });

  it("truncated valid packets (encodePacket, cut at every length): counted as truncated", async () => {
    const bases = [
      packet(
        [
          {
            type: "ping",
            seq: 123456,
            target: target.name,
            source: "x",
            sourceAddresses: [raw.address],
          },
        ],
        "",
      ),
      packet(
        [
          { type: "nack", seq: 1, source: "someone" },
          {
            type: "user",
            from: "x",
            name: "n",
            payload: new Uint8Array(100).fill(7),
            coalesce: false,
            ltime: 0,
          },
          { type: "ack", seq: 5, source: "y", payload: new Uint8Array(0) },
        ],
        "",
      ),
    ];
    const packets: Uint8Array[] = [];
    for (const b of bases) for (let n = 1; n < b.length; n++) packets.push(b.subarray(0, n));
    const expected = await throwDatagrams(packets, 50);
    expect(expected.truncated).toBeGreaterThan(packets.length / 2);
    await expectHealthy();
  });

  it("oversized datagrams (mtu + 1 up to 65,507 bytes): counted as oversized", async () => {
    const valid = packet([{ type: "nack", seq: 1, source: "x" }], "");
    const packets = [1401, 1500, 9000, 65_507, 32_768].map((n) => {
      const p = new Uint8Array(n);
      p.set(valid);
      return p;
    });
    expect(await throwDatagrams(packets, 1)).toEqual({ oversized: packets.length });
    await expectHealthy();
  });

  it("unknown wire versions: counted as unknown-version", async () => {
    const valid = packet([{ type: "nack", seq: 1, source: "x" }], "");
    expect([valid[0], valid[1]]).toEqual([0x08, 0x01]);
    const packets = [0, 2, 3, 0x7f].map((v) => {
      const p = Uint8Array.from(valid);
      p[1] = v;
      return p;
    });
    expect(await throwDatagrams(packets, 10)).toEqual({ "unknown-version": packets.length });
    await expectHealthy();
  });

  it("a wrong cluster label: counted as label-mismatch", async () => {
    const ping: Message = {
      type: "ping",
      seq: 99,
      target: target.name,
      source: "x",
      sourceAddresses: [],
    };
    const packets = ["other", "x", "target"].map((label) => packet([ping], label));
    expect(await throwDatagrams(packets, 10)).toEqual({ "label-mismatch": packets.length });
    await expectHealthy();
  });

  it("a 300-byte label (over the codec's limit): counted as limit", async () => {
    // Hand-built: version 1, then field 2 (label) with a varint length of 300 (0xac 0x02).
    const label = Uint8Array.from([0x08, 0x01, 0x12, 0xac, 0x02, ...Buffer.alloc(300, 0x4c)]);
    expect(await throwDatagrams([label, label], 10)).toEqual({ limit: 2 });
    await expectHealthy();
  });

  it("stream channel: huge length prefixes are refused (stream-error), no memory blow-up", async () => {
    const before = await drops();
    // Before the handshake: a ~4 GiB announcement.
    const early = await RawTcp.open(port);
    early.write(lengthPrefix(0xffff_fffe));
    await waitFor(() => early.closedByPeer, 3000, "the connection dropped");
    // After it: 2 GiB and just over the 4 MiB frame limit.
    for (const announced of [0x7fff_ffff, 4 * 1024 * 1024 + 1]) {
      const s = await RawTcp.handshake(port, raw.address);
      s.write(lengthPrefix(announced));
      await waitFor(() => s.closedByPeer, 3000, "the stream dropped");
    }
    await until(
      async () => ((await drops())["stream-error"] ?? 0) - (before["stream-error"] ?? 0) >= 2,
      3000,
      "stream errors counted",
    );
    expect(Object.keys(delta(before, await drops()))).toEqual(["stream-error"]);
    await expectHealthy();
  });

  it("stream channel: a wrong-label frame is counted as label-mismatch and the stream dropped", async () => {
    const before = await drops();
    const s = await RawTcp.handshake(port, raw.address);
    try {
      s.write(frame(packet([{ type: "nack", seq: 1, source: "x" }], "other")));
      await waitFor(() => s.closedByPeer, STREAM_TIMEOUT_MS + 2000, "the stream dropped");
    } finally {
      s.destroy();
    }
    expect(delta(before, await drops(), true)).toEqual({ "label-mismatch": 1 });
    await expectHealthy();
  });

  it("a silent connection, a stalled stream and 1,000 connections at once are all cut", async () => {
    const before = await drops();
    const silent = await RawTcp.open(port);
    const stalled = await RawTcp.handshake(port, raw.address);
    stalled.write(Buffer.concat([lengthPrefix(100), Buffer.alloc(10)]));
    const conns = await Promise.all(Array.from({ length: 1000 }, () => RawTcp.open(port)));
    try {
      // Most are over the transport's limit of 256 open connections: refused at once, long
      // before any deadline.
      await waitFor(
        () => conns.filter((c) => c.closedByPeer).length >= 1000 - 256,
        2000,
        "the excess connections refused at once",
      );
      // The rest never send and are cut at the handshake deadline.
      await waitFor(
        () => silent.closedByPeer && stalled.closedByPeer && conns.every((c) => c.closedByPeer),
        CONNECT_TIMEOUT_MS + STREAM_TIMEOUT_MS + 5000,
        "every connection cut by the target",
      );
    } finally {
      for (const c of [silent, stalled, ...conns]) c.destroy();
    }
    const grown = delta(before, await drops());
    expect(grown["stream-error"]).toBeGreaterThanOrEqual(1); // the stalled stream
    expect(Object.keys(grown).filter((r) => r !== "stream-error")).toEqual([]);
    await expectHealthy();
  });

  it("forged suspect and dead about the target: it refutes and stays alive everywhere", async () => {
    const watchers = await Promise.all(others.map(record));
    for (const type of ["suspect", "dead"] as const) {
      const inc = await selfIncarnation();
      await raw.send(
        port,
        packet([{ type, name: target.name, incarnation: BigInt(inc), from: "charlie" }], ""),
      );
      await until(async () => (await selfIncarnation()) > inc, 3000, `refutation of ${type}`);
      const now = await selfIncarnation();
      await until(
        async () => {
          for (const o of others) {
            const m = (await members(o)).find((x) => x.name === target.name);
            if (m?.status !== "alive" || m.incarnation < now) return false;
          }
          return true;
        },
        5000,
        "the refutation to spread",
      );
      await expectHealthy();
    }
    for (const w of watchers) w.close();
    // The forgeries went to the target only: nobody else ever saw it suspect or dead.
    const seen = watchers.flatMap((w) => w.events).filter((e) => e.member?.name === target.name);
    expect(seen.filter((e) => e.member?.status !== "alive")).toEqual([]);
    const metrics = await (await fetch(`${target.http}/metrics`)).text();
    expect(
      Number(/^grapevine_refutations_total (\d+)$/m.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(2);
  });

  it("an agent with --label other is never listed; its packets count as label-mismatch", async () => {
    const before = await drops();
    const watcher = await record(target);
    const outsider = await new AgentHandle([
      ...LOCAL,
      "--name",
      "outsider",
      "--label",
      "other",
      "--join",
      target.addresses[0]!,
    ]).ready();
    await until(
      async () => (await drops())["label-mismatch"]! - before["label-mismatch"]! >= 2,
      15_000,
      "the outsider's packets counted as label-mismatch",
    );
    for (const h of [target, ...others]) {
      expect((await members(h)).map((m) => m.name)).not.toContain("outsider");
    }
    expect((await members(outsider)).map((m) => m.name)).toEqual(["outsider"]);
    watcher.close();
    expect(watcher.events.filter((e) => JSON.stringify(e).includes("outsider"))).toEqual([]);
    expect(alive(outsider)).toBe(true);
    const metrics = await (await fetch(`${target.http}/metrics`)).text();
    expect(
      Number(
        /^grapevine_dropped_packets_total\{reason="label-mismatch"\} (\d+)$/m.exec(metrics)?.[1],
      ),
    ).toBeGreaterThanOrEqual((before["label-mismatch"] ?? 0) + 2);
    await expectHealthy();
  });

  it("/metrics and /v1/info agree on every drop reason; the target never exited", async () => {
    const metrics = await (await fetch(`${target.http}/metrics`)).text();
    for (const [reason, n] of Object.entries(await drops())) {
      const m = new RegExp(`^grapevine_dropped_packets_total\\{reason="${reason}"\\} (\\d+)$`, "m");
      expect(Number(m.exec(metrics)?.[1]), reason).toBe(n);
    }
    expect(alive(target), target.stderr).toBe(true);
  });
});
