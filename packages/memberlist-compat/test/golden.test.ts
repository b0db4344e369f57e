/**
 * Byte-for-byte agreement with memberlist's Go encoders. The fixtures were printed by
 * `tools/memberlist-go` (`memberlist-go golden`, `memberlist-go lzw`), which encodes with the
 * same go-msgpack handle and Go's compress/lzw; tools/memberlist-interop re-checks them against
 * a fresh build when Go is installed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  compressMessage,
  DEFAULT_LIMITS,
  decodeMessage,
  encodeMessage,
  encodeStream,
  lzwDecompress,
  type MemberlistMessage,
  readStream,
} from "../src/index.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as T;
const go = fixture<Record<string, string>>("go-messages.json");
const lo = Uint8Array.of(127, 0, 0, 1);
const bytes = (s: string) => new TextEncoder().encode(s);

const samples: Record<string, MemberlistMessage> = {
  ping: { type: "ping", seqNo: 7, node: "go-1" },
  "ping-source": {
    type: "ping",
    seqNo: 70000,
    node: "go-1",
    sourceAddr: lo,
    sourcePort: 7946,
    sourceNode: "gv-0",
  },
  "indirect-ping": {
    type: "indirect-ping",
    seqNo: 300,
    target: lo,
    port: 7947,
    node: "go-2",
    nack: true,
    sourceAddr: lo,
    sourcePort: 7946,
    sourceNode: "gv-0",
  },
  ack: { type: "ack", seqNo: 7, payload: new Uint8Array(0) },
  "ack-payload": { type: "ack", seqNo: 4294967295, payload: bytes("pong") },
  suspect: { type: "suspect", incarnation: 3, node: "go-1", from: "go-0" },
  alive: {
    type: "alive",
    incarnation: 1,
    node: "go-0",
    addr: lo,
    port: 7946,
    meta: bytes("role=web"),
    vsn: [1, 5, 2, 0, 0, 0],
  },
  "alive-long-name": {
    type: "alive",
    incarnation: 256,
    node: "n".repeat(40),
    addr: lo,
    port: 65535,
    meta: new Uint8Array(0),
    vsn: [1, 5, 2, 0, 0, 0],
  },
  dead: { type: "dead", incarnation: 9, node: "go-1", from: "go-1" },
  nack: { type: "nack", seqNo: 12 },
  error: { type: "error", error: "boom" },
};

describe("messages as memberlist encodes them", () => {
  for (const [name, message] of Object.entries(samples)) {
    it(`${name}: encodes to Go's bytes and decodes back`, () => {
      const expected = go[name] as string;
      expect(Buffer.from(encodeMessage(message)).toString("hex")).toBe(expected);
      expect(decodeMessage(hex(expected), DEFAULT_LIMITS)).toEqual(message);
    });
  }

  it("push-pull: header and node state as Go writes them", () => {
    const stream = encodeStream({
      type: "push-pull",
      join: true,
      nodes: [
        {
          name: "go-0",
          addr: lo,
          port: 7946,
          meta: bytes("m"),
          incarnation: 2,
          state: 3,
          vsn: [1, 5, 2, 0, 0, 0],
        },
      ],
      userState: bytes("abc"),
    });
    const header = (go["push-pull-header"] as string).replace(
      "83a44a6f696ec3a54e6f64657302",
      "83a44a6f696ec3a54e6f64657301",
    );
    const state = (go["push-node-state"] as string).slice(2);
    expect(Buffer.from(stream).toString("hex")).toBe(`${header}${state}616263`);
  });

  it("push-pull: reads Go's bytes", () => {
    const state = (go["push-node-state"] as string).slice(2);
    const bytesIn = hex(`${go["push-pull-header"]}${state}${state}616263`);
    const read = readStream(bytesIn);
    expect(read.status).toBe("message");
    if (read.status !== "message" || read.message.type !== "push-pull") return;
    expect(read.consumed).toBe(bytesIn.length);
    expect(read.message.join).toBe(true);
    expect(read.message.nodes.map((n) => [n.name, n.state, n.port])).toEqual([
      ["go-0", 3, 7946],
      ["go-0", 3, 7946],
    ]);
    expect(Buffer.from(read.message.userState).toString()).toBe("abc");
    // Every shorter prefix is "incomplete", never an error: the rest may still be on its way.
    for (let n = 0; n < bytesIn.length; n++)
      expect(readStream(bytesIn.subarray(0, n)).status).toBe("incomplete");
  });
});

describe("LZW as Go's compress/lzw writes it", () => {
  const cases = fixture<{ input: string; compressMessage: string }[]>("go-lzw.json");
  for (const [i, c] of cases.entries()) {
    it(`case ${i}: ${c.input.length / 2} bytes`, () => {
      expect(Buffer.from(compressMessage(hex(c.input))).toString("hex")).toBe(c.compressMessage);
    });
  }

  it("decompresses Go's output to the input", () => {
    for (const c of cases) {
      const message = hex(c.compressMessage);
      // compress{Algo, Buf}: Buf is the raw after "Buf" (a3 42 75 66) and its length header.
      const at = Buffer.from(message).indexOf(Buffer.from("a3427566", "hex")) + 4;
      const head = message[at] as number;
      const [len, skip] =
        head >= 0xa0 && head <= 0xbf
          ? [head & 0x1f, 1]
          : head === 0xda
            ? [((message[at + 1] as number) << 8) | (message[at + 2] as number), 3]
            : [new DataView(message.buffer, message.byteOffset).getUint32(at + 1), 5];
      const lzw = message.subarray(at + skip, at + skip + len);
      expect(Buffer.from(lzwDecompress(lzw, 1 << 20)).toString("hex")).toBe(c.input);
    }
  });
});
