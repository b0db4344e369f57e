import { decode, envelopeOverhead, type Message, messageSize, pack } from "@grapevine/codec";

const updates: Message[] = [
  { type: "ping", seq: 1, target: "b", source: "a", sourceAddresses: ["udp://10.0.0.1:7946"] },
  {
    type: "alive",
    name: "c",
    incarnation: 3n,
    generation: 1,
    addresses: ["udp://10.0.0.3:7946"],
    meta: new TextEncoder().encode("zone=eu-1"),
  },
  { type: "suspect", name: "d", incarnation: 7n, from: "a" },
];

const bytes = envelopeOverhead("prod") + updates.reduce((n, m) => n + messageSize(m), 0);
const { packets, unfit } = pack(updates, { mtu: 1400, label: "prod" });
console.log(`${packets.length} packet(s), ${bytes} bytes, unfit: ${unfit.length}`);

const result = decode(packets[0]!, { label: "prod" });
if (result.ok) {
  for (const m of result.envelope.messages) console.log(m.type);
} else {
  console.log(`dropped: ${result.error.reason} (${result.error.message})`);
}
