import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type AgentSnapshot,
  decodeSnapshot,
  encodeSnapshot,
  readSnapshot,
  SNAPSHOT_FILE,
  writeSnapshot,
} from "../src/snapshot.js";

const snapshot: AgentSnapshot = {
  name: "node-1",
  generation: 1_700_000_000_000,
  savedAt: 1_700_000_001_000,
  members: [{ name: "node-2", status: "alive", addresses: ["udp://127.0.0.1:7001"] }],
  state: {
    owner: "node-1",
    generation: 1_700_000_000_000,
    maxVersion: 3,
    entries: [
      { key: "gone", value: new Uint8Array(0), version: 2, tombstone: true },
      { key: "bytes", value: new Uint8Array([0, 255, 7]), version: 3, tombstone: false },
    ],
  },
};

describe("snapshot", () => {
  it("round-trips through its JSON form, binary values included", () => {
    expect(decodeSnapshot(encodeSnapshot(snapshot))).toEqual(snapshot);
  });

  it("keeps the cluster-scoped keys with their timestamps; older snapshots have none", () => {
    const withShared: AgentSnapshot = {
      ...snapshot,
      shared: {
        lastContactAt: 1_700_000_000_500,
        entries: [
          ...[{ key: "flags/x", value: new Uint8Array([111, 110]), tombstone: false }],
          ...[{ key: "flags/y", value: new Uint8Array(0), tombstone: true }],
        ].map((e, i) => ({ ...e, wall: 1_700_000_000_100 + i, logical: i, writer: "node-2" })),
        setAside: [
          {
            ...{ key: "old", value: new Uint8Array([1]), wall: 5, logical: 0 },
            ...{ writer: "node-3", tombstone: false },
          },
        ],
      },
    };
    expect(decodeSnapshot(encodeSnapshot(withShared))).toEqual(withShared);
    expect(decodeSnapshot(encodeSnapshot(snapshot)).shared).toBeUndefined();
    const bad = JSON.parse(encodeSnapshot(withShared));
    bad.shared.entries[0].wall = -1;
    expect(() => decodeSnapshot(JSON.stringify(bad))).toThrow(/bad shared entry/);
  });

  it("is written atomically and read back", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "grapevine-snap-")), "nested");
    writeSnapshot(dir, snapshot);
    writeSnapshot(dir, { ...snapshot, savedAt: snapshot.savedAt + 1 });
    expect(readdirSync(dir)).toEqual([SNAPSHOT_FILE]);
    const read = readSnapshot(dir);
    expect(read.kind).toBe("ok");
    if (read.kind === "ok") expect(read.snapshot.savedAt).toBe(snapshot.savedAt + 1);
  });

  it("reports a missing snapshot as missing and anything unreadable as corrupt", () => {
    const dir = mkdtempSync(join(tmpdir(), "grapevine-snap-"));
    expect(readSnapshot(dir)).toEqual({ kind: "missing" });
    const cases = [
      "",
      "{not json",
      "[]",
      JSON.stringify({ format: 99 }),
      encodeSnapshot(snapshot).replace('"version": 3', '"version": -3'),
      encodeSnapshot(snapshot).slice(0, 200),
    ];
    for (const text of cases) {
      writeFileSync(join(dir, SNAPSHOT_FILE), text);
      expect(readSnapshot(dir).kind, text.slice(0, 40)).toBe("corrupt");
    }
  });

  it("keeps a human-readable file", () => {
    const dir = mkdtempSync(join(tmpdir(), "grapevine-snap-"));
    writeSnapshot(dir, snapshot);
    const text = readFileSync(join(dir, SNAPSHOT_FILE), "utf8");
    expect(JSON.parse(text)).toMatchObject({
      format: 1,
      name: "node-1",
      members: [{ name: "node-2" }],
    });
  });
});

describe("unfinished snapshot writes", () => {
  it("are removed when an agent starts on the data dir", async () => {
    const { mkdtempSync, writeFileSync, existsSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { removeStaleSnapshotTemps, SNAPSHOT_FILE } = await import("../src/snapshot.js");
    const dir = mkdtempSync(join(tmpdir(), "grapevine-tmp-"));
    writeFileSync(join(dir, `${SNAPSHOT_FILE}.123.tmp`), "partial");
    writeFileSync(join(dir, "other.txt"), "kept");
    expect(removeStaleSnapshotTemps(dir)).toEqual([`${SNAPSHOT_FILE}.123.tmp`]);
    expect(existsSync(join(dir, `${SNAPSHOT_FILE}.123.tmp`))).toBe(false);
    expect(existsSync(join(dir, "other.txt"))).toBe(true);
  });
});
