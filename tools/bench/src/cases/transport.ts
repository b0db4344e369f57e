/**
 * `pnpm bench transport`: the real-socket transports on loopback. One JSON line per case:
 *
 * - `udp-datagrams-received`, `ws-datagrams-received`: datagrams per second one node receives and
 *   hands up through `datagrams()`. The sender runs in a worker thread of the same process (a raw
 *   `node:dgram` socket, or a raw `ws` client speaking the peer-link hello), so the receiving
 *   transport has the main thread to itself; the machine has 2 cores, so sender and receiver do
 *   not share one. Median of 3 one-second windows after a warm-up. `receiverLoopUtilization` is
 *   the receiving thread's event-loop utilisation: below 1 the sender set the pace, and
 *   `projectedPerSecAtFullLoad` extrapolates the receiver's capacity from it.
 * - `udp-stream-push-pull`, `ws-stream-push-pull`: a push-pull of 10 MiB each way in 64 KiB
 *   frames over one stream (UDP: its TCP channel; WS: a stream connection), both ends in the
 *   main thread, so one thread does the work of both. Median of 5 runs after a warm-up;
 *   `mibPerSec` is both directions' bytes over the whole exchange.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Datagram, Stream, Transport } from "@grapevine/transport";
import { bindUdp } from "@grapevine/transport-udp";
import { bindWs } from "@grapevine/transport-ws";
import { report } from "../measure.js";

const WINDOW_MS = 1000;
const WINDOWS = 3;
const WARMUP_MS = 500;
const PUSH_PULL_BYTES = 10 * 1024 * 1024;
const FRAME_BYTES = 64 * 1024;
const PUSH_PULL_RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sender thread: a raw UDP socket keeping up to 256 sends in flight. */
const UDP_SENDER = `
const { workerData, parentPort } = require("node:worker_threads");
const dgram = require("node:dgram");
const socket = dgram.createSocket("udp4");
const payload = Buffer.alloc(workerData.size, 7);
let stop = false, inflight = 0, sent = 0;
parentPort.on("message", () => { stop = true; });
const done = () => { inflight--; };
function pump() {
  if (stop) { socket.close(() => parentPort.postMessage({ sent })); return; }
  while (inflight < 256) { inflight++; sent++; socket.send(payload, workerData.port, "127.0.0.1", done); }
  setImmediate(pump);
}
socket.bind(0, "127.0.0.1", pump);
`;

/** Sender thread: a raw ws client that opens a peer link and keeps its buffer under 512 KiB. */
const WS_SENDER = `
const { workerData, parentPort } = require("node:worker_threads");
const WebSocket = require(workerData.wsPath);
const ws = new WebSocket(workerData.url, { perMessageDeflate: false });
const payload = Buffer.alloc(workerData.size, 7);
let stop = false, sent = 0;
parentPort.on("message", () => { stop = true; });
ws.on("error", (e) => { parentPort.postMessage({ error: String(e) }); });
ws.on("open", () => ws.send(JSON.stringify({ v: 1, kind: "hello", role: "peer", from: "ws-client://bench" })));
ws.once("message", () => pump());
function pump() {
  if (stop) { ws.close(); parentPort.postMessage({ sent }); return; }
  while (ws.bufferedAmount < 512 * 1024) { ws.send(payload); sent++; }
  setImmediate(pump);
}
`;

async function datagramRate(
  name: string,
  receiver: Transport,
  worker: Worker,
  size: number,
  notes: string,
): Promise<void> {
  let received = 0;
  const reading = (async () => {
    for await (const _d of receiver.datagrams() as AsyncIterable<Datagram>) received++;
  })();
  const failed = new Promise<never>((_, reject) => {
    worker.on("message", (m: { error?: string }) => {
      if (m.error) reject(new Error(m.error));
    });
    worker.on("error", reject);
  });
  const run = (async () => {
    await sleep(WARMUP_MS);
    const rates: number[] = [];
    const busy: number[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      const start = received;
      const t0 = performance.now();
      const elu0 = performance.eventLoopUtilization();
      await sleep(WINDOW_MS);
      rates.push(((received - start) * 1000) / (performance.now() - t0));
      busy.push(performance.eventLoopUtilization(elu0).utilization);
    }
    return { rates, busy };
  })();
  const { rates, busy } = await Promise.race([run, failed]);
  const sent = await new Promise<number>((resolve) => {
    worker.on("message", (m: { sent?: number }) => {
      if (m.sent !== undefined) resolve(m.sent);
    });
    worker.postMessage("stop");
  });
  await worker.terminate();
  await receiver.close();
  await reading;
  const counters = (receiver as { counters?: () => Record<string, number> }).counters?.();
  report({
    suite: "transport",
    case: name,
    datagramBytes: size,
    datagramsPerSec: Math.round(median(rates)),
    windows: rates.map((r) => Math.round(r)),
    // How busy the receiving thread was: below 1 the sender, not the receiver, set the pace, and
    // datagramsPerSec / receiverLoopUtilization estimates what the receiver could take.
    receiverLoopUtilization: Math.round(median(busy) * 100) / 100,
    projectedPerSecAtFullLoad: Math.round(median(rates) / Math.max(median(busy), 0.01)),
    senderSent: sent,
    receivedTotal: received,
    receiverDropped: counters?.datagramsDropped ?? 0,
    method: notes,
  });
}

async function udpDatagrams(size: number): Promise<void> {
  const receiver = await bindUdp({ bind: "udp://127.0.0.1:0", datagramQueueLimit: 65_536 });
  const port = Number(receiver.address.slice(receiver.address.lastIndexOf(":") + 1));
  const worker = new Worker(UDP_SENDER, { eval: true, workerData: { port, size } });
  await datagramRate(
    "udp-datagrams-received",
    receiver,
    worker,
    size,
    "receiver: bindUdp on 127.0.0.1, main thread, counting datagrams() items; sender: raw node:dgram socket in a worker thread of the same process; kernel drops beyond what the receiver reads are not counted as received",
  );
}

async function wsDatagrams(size: number): Promise<void> {
  const receiver = await bindWs({
    listen: "ws://127.0.0.1:0/gossip",
    datagramQueueLimit: 65_536,
  });
  const transportWs = fileURLToPath(import.meta.resolve("@grapevine/transport-ws"));
  const wsPath = createRequire(transportWs).resolve("ws");
  const worker = new Worker(WS_SENDER, {
    eval: true,
    workerData: { url: receiver.address, size, wsPath },
  });
  await datagramRate(
    "ws-datagrams-received",
    receiver,
    worker,
    size,
    "receiver: bindWs listening on 127.0.0.1, main thread, counting datagrams() items over one peer link; sender: raw ws client in a worker thread of the same process (TCP flow control paces it)",
  );
}

async function pushPullOnce(
  a: Transport,
  accepted: AsyncIterator<Stream>,
  to: string,
): Promise<number> {
  const frame = new Uint8Array(FRAME_BYTES).fill(1);
  const frames = PUSH_PULL_BYTES / FRAME_BYTES;
  const t0 = performance.now();
  const dialer = await a.dial(to);
  const pushing = (async () => {
    for (let i = 0; i < frames; i++) await dialer.write(frame);
    await dialer.close();
  })();
  const next = await accepted.next();
  if (next.done) throw new Error("no stream accepted");
  const acceptor = next.value;
  let pushed = 0;
  for await (const f of acceptor) pushed += f.byteLength;
  await pushing;
  const pulling = (async () => {
    for (let i = 0; i < frames; i++) await acceptor.write(frame);
    await acceptor.close();
  })();
  let pulled = 0;
  for await (const f of dialer) pulled += f.byteLength;
  await pulling;
  const ms = performance.now() - t0;
  if (pushed !== PUSH_PULL_BYTES || pulled !== PUSH_PULL_BYTES) {
    throw new Error(`push-pull moved ${pushed} / ${pulled} bytes, expected ${PUSH_PULL_BYTES}`);
  }
  return ms;
}

async function pushPull(name: string, a: Transport, b: Transport, notes: string): Promise<void> {
  const accepted = b.streams()[Symbol.asyncIterator]();
  await pushPullOnce(a, accepted, b.address);
  const times: number[] = [];
  for (let i = 0; i < PUSH_PULL_RUNS; i++) times.push(await pushPullOnce(a, accepted, b.address));
  await a.close();
  await b.close();
  const ms = median(times);
  report({
    suite: "transport",
    case: name,
    bytesEachWay: PUSH_PULL_BYTES,
    frameBytes: FRAME_BYTES,
    medianMs: Math.round(ms * 10) / 10,
    mibPerSec: Math.round(((2 * PUSH_PULL_BYTES) / (1024 * 1024) / (ms / 1000)) * 10) / 10,
    runsMs: times.map((t) => Math.round(t)),
    method: notes,
  });
}

/**
 * Runs the transport benchmark cases. `--size <bytes>` sets the datagram size (default 512); any
 * other argument selects cases whose name contains it (`udp`, `ws-datagrams`, `push-pull`).
 */
export default async function run(args: string[]): Promise<void> {
  const i = args.indexOf("--size");
  const size = i >= 0 ? Number(args[i + 1]) : 512;
  const filters = args.filter((a, k) => !a.startsWith("--") && (i < 0 || k !== i + 1));
  const want = (name: string) => filters.length === 0 || filters.some((f) => name.includes(f));
  if (want("udp-datagrams-received")) await udpDatagrams(size);
  if (want("ws-datagrams-received")) await wsDatagrams(size);
  if (want("udp-stream-push-pull")) {
    await pushPull(
      "udp-stream-push-pull",
      await bindUdp({ bind: "udp://127.0.0.1:0" }),
      await bindUdp({ bind: "udp://127.0.0.1:0" }),
      "dial over the UDP transport's TCP channel on 127.0.0.1; both ends in the main thread; 10 MiB pushed, then 10 MiB pulled back, as 64 KiB frames",
    );
  }
  if (want("ws-stream-push-pull")) {
    await pushPull(
      "ws-stream-push-pull",
      await bindWs({ listen: "ws://127.0.0.1:0/gossip" }),
      await bindWs({ listen: "ws://127.0.0.1:0/gossip" }),
      "a WebSocket stream connection on 127.0.0.1; both ends in the main thread; 10 MiB pushed, then 10 MiB pulled back, as 64 KiB frames",
    );
  }
}
