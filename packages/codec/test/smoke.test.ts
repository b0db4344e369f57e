import { describe, expect, it } from "vitest";
import {
  decode,
  encodePacket,
  envelopeOverhead,
  type Message,
  messageSize,
  pack,
} from "../src/index.js";

const messages: Message[] = [
  { type: "ping", seq: 7, target: "b", source: "a", sourceAddresses: ["udp://10.0.0.1:7946"] },
  {
    type: "alive",
    name: "nödé-1",
    incarnation: 2n ** 64n - 1n,
    generation: 3,
    addresses: ["udp://10.0.0.1:7946", ""],
    meta: new Uint8Array([1, 2, 3]),
  },
  { type: "suspect", name: "x", incarnation: 0n, from: "y" },
];

describe("smoke", () => {
  it("round-trips and sizes exactly", () => {
    const bytes = encodePacket(messages, { label: "prod" });
    expect(bytes.length).toBe(
      envelopeOverhead("prod") + messages.reduce((s, m) => s + messageSize(m), 0),
    );
    const r = decode(bytes);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.envelope).toEqual({ version: 1, label: "prod", messages });
    const p = pack(messages, { mtu: 60 });
    expect(p.packets.every((b) => b.length <= 60)).toBe(true);
  });
});
