import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { decode, encodePacket, type Message } from "../src/index.js";

// What a later schema might look like: new fields in the envelope and in a message, new message
// kinds (one with a one-byte tag, one far beyond), and a new field in a nested message.
const NEWER = `
syntax = "proto3";
package grapevine.v1;
message Envelope {
  uint32 version = 1;
  string label = 2;
  repeated Message messages = 3;
  string sender_zone = 4;
  fixed64 sent_at = 100;
}
message Message {
  oneof kind {
    Ping ping = 1;
    Alive alive = 5;
    StateDelta state_delta = 11;
    Gossip gossip = 14;
    Future future = 1000;
  }
  uint32 priority = 99;
}
message Ping {
  uint64 seq = 1; string target = 2; string source = 3; repeated string source_addresses = 4;
  fixed32 deadline = 9;
}
message Alive {
  string name = 1; uint64 incarnation = 2; uint64 generation = 3;
  repeated string addresses = 4; bytes meta = 5;
  string zone = 6;
  repeated Coordinate coordinates = 7;
}
message Coordinate { double x = 1; double y = 2; }
message DeltaEntry {
  string key = 1; bytes value = 2; uint64 version = 3; bool tombstone = 4; sint64 ttl = 8;
}
message OwnerDelta {
  string owner = 1; uint64 generation = 2; uint64 from_version = 3; bool reset = 4;
  uint64 heartbeat = 5; uint64 max_version = 6; repeated DeltaEntry entries = 7;
  bytes checksum = 8;
}
message StateDelta { repeated OwnerDelta delta = 1; }
message Gossip { string rumour = 1; }
message Future { bytes anything = 1; }
`;

const root = protobuf.parse(NEWER).root;
const Envelope = root.lookupType("grapevine.v1.Envelope");

describe("packets from a newer schema", () => {
  const packet = Envelope.encode(
    Envelope.fromObject({
      version: 1,
      label: "prod",
      senderZone: "eu-west-1",
      sentAt: "1234567890123",
      messages: [
        { gossip: { rumour: "hello" } },
        {
          ping: { seq: 9, target: "b", source: "a", sourceAddresses: ["udp://a:1"], deadline: 7 },
          priority: 3,
        },
        { future: { anything: [1, 2, 3] } },
        {
          alive: {
            name: "a",
            incarnation: 4,
            generation: 2,
            addresses: ["udp://a:1"],
            meta: [9],
            zone: "z",
            coordinates: [{ x: 1.5, y: -2 }],
          },
        },
        {
          stateDelta: {
            delta: [
              {
                owner: "a",
                generation: 1,
                maxVersion: 3,
                checksum: [1],
                entries: [{ key: "k", value: [1], version: 3, ttl: -5 }],
              },
            ],
          },
        },
        { priority: 1, gossip: { rumour: "again" } },
      ],
    }),
  ).finish();

  it("keep every known message and field, ignore unknown fields, skip unknown kinds", () => {
    const result = decode(packet, { label: "prod" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.skipped).toBe(3);
    const expected: Message[] = [
      { type: "ping", seq: 9, target: "b", source: "a", sourceAddresses: ["udp://a:1"] },
      {
        type: "alive",
        name: "a",
        incarnation: 4n,
        generation: 2,
        addresses: ["udp://a:1"],
        meta: new Uint8Array([9]),
      },
      {
        type: "state-delta",
        delta: [
          {
            owner: "a",
            generation: 1,
            fromVersion: 0,
            reset: false,
            heartbeat: 0,
            maxVersion: 3,
            entries: [{ key: "k", value: new Uint8Array([1]), version: 3, tombstone: false }],
          },
        ],
      },
    ];
    expect(result.envelope).toEqual({ version: 1, label: "prod", messages: expected });
  });

  it("the newer schema reads what this one writes", () => {
    const ours = encodePacket(
      [{ type: "ping", seq: 1, target: "t", source: "s", sourceAddresses: [] }],
      { label: "prod" },
    );
    const theirs = Envelope.toObject(Envelope.decode(ours), { longs: String });
    expect(theirs).toEqual({
      version: 1,
      label: "prod",
      messages: [{ ping: { seq: "1", target: "t", source: "s" } }],
    });
  });
});
