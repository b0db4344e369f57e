/**
 * What Node.js itself costs for an idle cluster's traffic, without any protocol: N bare
 * `node:dgram` sockets on 127.0.0.1 in this process, each sending a ping to a random other socket
 * once a probe interval (from its own random phase, on its own timer) and answering every ping
 * with an ack, both of a fixed size: one timer, two sends and two receives per node per period,
 * written as plainly as Node allows (no send callback, no copies, no protocol state). About the
 * least a Node.js process can spend on a SWIM probe round.
 */
import { createSocket, type Socket } from "node:dgram";
import { sleep } from "./harness.js";
import { type IdleFigures, measureWindows } from "./scenarios.js";
import { IP_UDP_HEADER_BYTES } from "./wire.js";

/** The shape of the traffic: the LAN probe interval and the payload sizes of ping and ack. */
export interface FloorTraffic {
  readonly intervalMs: number;
  readonly pingBytes: number;
  readonly ackBytes: number;
}

const PING = 1;
const ACK = 2;

/**
 * `trials` consecutive windows of `windowMs` over `n` bare sockets exchanging `traffic`, after
 * two periods of warm-up. Per node per second, as the idle scenario reports them.
 */
export async function floorTrials(
  n: number,
  trials: number,
  windowMs: number,
  traffic: FloorTraffic,
  progress: (text: string) => void,
): Promise<IdleFigures[]> {
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const wire = { udpPackets: 0, udpBytes: 0, tcpBytes: 0 };
  try {
    for (let i = 0; i < n; i++) {
      const socket = createSocket("udp4");
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(0, "127.0.0.1", () => resolve());
      });
      sockets.push(socket);
    }
    const ports = sockets.map((s) => s.address().port);
    const send = (socket: Socket, data: Buffer, port: number) => {
      socket.send(data, port, "127.0.0.1");
      wire.udpPackets += 1;
      wire.udpBytes += data.length + IP_UDP_HEADER_BYTES;
    };
    sockets.forEach((socket, i) => {
      socket.on("message", (data, from) => {
        if (data[0] === PING) send(socket, Buffer.alloc(traffic.ackBytes, ACK), from.port);
      });
      const probe = () => {
        const other = (i + 1 + Math.floor(Math.random() * (n - 1))) % n;
        send(socket, Buffer.alloc(traffic.pingBytes, PING), ports[other]!);
        timers[i] = setTimeout(probe, traffic.intervalMs);
      };
      timers[i] = setTimeout(probe, Math.random() * traffic.intervalMs);
    });
    await sleep(traffic.intervalMs * 2);
    const label = `floor N=${n}`;
    return await measureWindows(n, trials, windowMs, label, progress, () => ({ ...wire }));
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(resolve))));
  }
}
