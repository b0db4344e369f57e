/**
 * Golden wire samples: the exact bytes of representative packets, committed under fixtures/.
 * A change here is a change to the wire format, which other nodes in a cluster will see.
 * To rewrite them on purpose: `pnpm --filter @grapevine/codec fixtures`
 * (runs this file with UPDATE_FIXTURES=1).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decode, encodePacket, type Message } from "../src/index.js";
import { referenceDecode } from "./support/reference.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const update = process.env.UPDATE_FIXTURES === "1";

const bytes = (...values: number[]) => new Uint8Array(values);

const samples: Record<string, { label: string; messages: Message[] }> = {
  ping: {
    label: "",
    messages: [
      {
        type: "ping",
        seq: 42,
        target: "node-2",
        source: "node-1",
        sourceAddresses: ["udp://10.0.0.1:7946"],
      },
    ],
  },
  "compound-membership": {
    label: "prod",
    messages: [
      { type: "ping", seq: 300, target: "node-2", source: "node-1", sourceAddresses: [] },
      {
        type: "alive",
        name: "node-3",
        incarnation: 7n,
        generation: 2,
        addresses: ["udp://10.0.0.3:7946", "ws://node-3.example:8080/gossip"],
        meta: bytes(0x72, 0x3d, 0x61),
      },
      { type: "suspect", name: "node-4", incarnation: 12n, from: "node-1" },
      { type: "dead", name: "node-5", incarnation: 2n ** 64n - 1n, from: "node-5" },
    ],
  },
  probes: {
    label: "",
    messages: [
      {
        type: "ping-req",
        seq: 9,
        target: "node-4",
        targetAddresses: ["udp://10.0.0.4:7946"],
        source: "node-1",
        sourceAddresses: ["udp://10.0.0.1:7946"],
        wantNack: true,
      },
      { type: "ack", seq: 9, source: "node-4", payload: bytes(1, 2, 3) },
      { type: "nack", seq: 10, source: "node-2" },
      {
        type: "user",
        from: "node-1",
        name: "deploy",
        payload: bytes(0x76, 0x32),
        coalesce: false,
        ltime: 0,
      },
    ],
  },
  queries: {
    label: "",
    messages: [
      {
        type: "query",
        id: 7,
        origin: "node-1",
        generation: 3,
        originAddresses: ["udp://10.0.0.1:7946"],
        name: "ping",
        payload: bytes(0x68, 0x69),
        filterNames: ["node-2", "node-3"],
        filterTags: [{ tag: "role", pattern: "web|db" }],
        timeoutMs: 12_800,
        requestAck: true,
        relayFactor: 2,
      },
      {
        type: "query-response",
        id: 7,
        origin: "node-1",
        generation: 3,
        from: "node-2",
        ack: false,
        payload: bytes(0x6e, 0x32),
        relayTo: ["udp://10.0.0.1:7946"],
      },
      { type: "prune", name: "node-5", incarnation: 4n, from: "node-1" },
    ],
  },
  scuttlebutt: {
    label: "",
    messages: [
      {
        type: "state-syn",
        digest: [{ owner: "node-1", generation: 3, maxVersion: 17 }],
        complete: true,
      },
      {
        type: "state-syn-ack",
        digest: [
          { owner: "node-1", generation: 3, maxVersion: 15 },
          { owner: "node-2", generation: 1, maxVersion: 4 },
        ],
        complete: false,
        delta: [
          {
            owner: "node-2",
            generation: 1,
            fromVersion: 2,
            reset: false,
            heartbeat: 1_000_000,
            maxVersion: 4,
            entries: [
              { key: "version", value: bytes(0x31, 0x2e, 0x32), version: 3, tombstone: false },
              { key: "role", value: bytes(), version: 4, tombstone: true },
            ],
          },
        ],
      },
      { type: "state-ack", delta: [] },
      {
        type: "state-delta",
        delta: [
          {
            owner: "node-1",
            generation: 3,
            fromVersion: 16,
            reset: true,
            heartbeat: 99,
            maxVersion: 17,
            entries: [
              { key: "load", value: bytes(0x30, 0x2e, 0x37), version: 17, tombstone: false },
            ],
          },
        ],
      },
    ],
  },
  "push-pull": {
    label: "prod",
    messages: [
      {
        type: "push-pull",
        join: true,
        reply: false,
        source: "node-1",
        members: [
          {
            name: "node-1",
            incarnation: 1n,
            generation: 3,
            status: "alive",
            addresses: ["udp://10.0.0.1:7946"],
            meta: bytes(),
          },
          {
            name: "nœud-ü",
            incarnation: 2n ** 63n,
            generation: 0,
            status: "suspect",
            addresses: [],
            meta: bytes(0xff),
          },
          {
            name: "n3",
            incarnation: 0n,
            generation: 1,
            status: "dead",
            addresses: [],
            meta: bytes(),
          },
          {
            name: "n4",
            incarnation: 5n,
            generation: 2,
            status: "left",
            addresses: [],
            meta: bytes(),
          },
        ],
        delta: [
          {
            owner: "node-1",
            generation: 3,
            fromVersion: 0,
            reset: true,
            heartbeat: 5,
            maxVersion: 1,
            entries: [{ key: "k", value: bytes(0x76), version: 1, tombstone: false }],
          },
        ],
      },
    ],
  },
};

describe("golden wire samples", () => {
  if (update) mkdirSync(dir, { recursive: true });
  for (const [name, { label, messages }] of Object.entries(samples)) {
    const file = join(dir, `${name}.bin`);
    it(`${name}.bin`, () => {
      const encoded = encodePacket(messages, { label });
      if (update) writeFileSync(file, encoded);
      expect(existsSync(file), `${file} missing: run the fixtures script`).toBe(true);
      const fixture = new Uint8Array(readFileSync(file));
      expect(Buffer.from(encoded).toString("hex")).toBe(Buffer.from(fixture).toString("hex"));
      expect(decode(fixture)).toEqual({
        ok: true,
        envelope: { version: 1, label, messages },
        skipped: 0,
      });
      expect(referenceDecode(fixture)).toEqual({ version: 1, label, messages });
    });
  }
});
