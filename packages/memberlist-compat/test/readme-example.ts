import { decodePacket, encodePacket } from "@grapevine/memberlist-compat";

const key = new Uint8Array(32).fill(1); // memberlist's SecretKey: 16, 24 or 32 bytes
const packet = encodePacket(
  [
    { type: "ping", seqNo: 1, node: "go-0" },
    { type: "user", payload: new TextEncoder().encode("hello") },
  ],
  { key, label: "prod", crc: true },
);
console.log(`${packet.length} bytes`);

const decoded = decodePacket(packet, { keys: [key], label: "prod" });
if (decoded.ok) {
  for (const message of decoded.messages) console.log(message.type);
}
console.log(decodePacket(packet, { keys: [key], label: "test" }).ok);
