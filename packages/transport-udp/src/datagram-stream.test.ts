import type { Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { DatagramStream } from "./datagram-stream.js";

/** A stand-in socket: the stream only listens to `message` and `close`. */
function fakeSocket(): EventEmitter & Socket {
  return new EventEmitter() as EventEmitter & Socket;
}

function rinfo(address: string, port: number) {
  return { address, port, family: address.includes(":") ? "IPv6" : "IPv4", size: 1 };
}

describe("DatagramStream", () => {
  it("names each sender by address and port, the same port on two hosts apart", async () => {
    const socket = fakeSocket();
    const stream = new DatagramStream(socket, "udp", 100);
    const senders: [string, number][] = [
      ["10.0.0.1", 7946],
      ["10.0.0.2", 7946],
      ["10.0.0.1", 7947],
      ["::ffff:10.0.0.3", 7946],
      ["fe80::1", 7946],
      ["10.0.0.2", 7946],
      ["10.0.0.1", 7946],
    ];
    for (const [address, port] of senders)
      socket.emit("message", Buffer.from([1]), rinfo(address, port));
    socket.emit("close");
    const from: string[] = [];
    for await (const d of stream) from.push(d.from);
    expect(from).toEqual([
      "udp://10.0.0.1:7946",
      "udp://10.0.0.2:7946",
      "udp://10.0.0.1:7947",
      "udp://10.0.0.3:7946",
      "udp://[fe80::1]:7946",
      "udp://10.0.0.2:7946",
      "udp://10.0.0.1:7946",
    ]);
    expect(stream.counts).toEqual({ received: 7, receivedBytes: 7, dropped: 0 });
  });

  it("keeps naming senders right past the cache's limit (it starts over)", async () => {
    const socket = fakeSocket();
    const stream = new DatagramStream(socket, "udp", 10_000);
    const n = 5_000;
    for (let i = 0; i < n; i++) {
      socket.emit("message", Buffer.from([1]), rinfo(`10.0.${i >> 8}.${i & 255}`, 1000 + (i % 7)));
    }
    socket.emit("message", Buffer.from([1]), rinfo("10.0.0.0", 1000));
    socket.emit("close");
    const from: string[] = [];
    for await (const d of stream) from.push(d.from);
    expect(from).toHaveLength(n + 1);
    expect(from[n - 1]).toBe(`udp://10.0.${(n - 1) >> 8}.${(n - 1) & 255}:${1000 + ((n - 1) % 7)}`);
    expect(from[n]).toBe("udp://10.0.0.0:1000");
  });
});
