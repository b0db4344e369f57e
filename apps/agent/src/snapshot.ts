import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Cluster, SharedEntry, SharedSnapshot } from "@grapevine/cluster";

/** This node's own keys as the cluster runtime snapshots them. */
export type LocalState = ReturnType<Cluster["snapshotLocalState"]>;

/** A member remembered in a snapshot, to rejoin through after a restart. */
export interface KnownMember {
  readonly name: string;
  readonly status: string;
  readonly addresses: readonly string[];
}

/** What the agent keeps in its data dir: enough to rejoin and to restore its own keys. */
export interface AgentSnapshot {
  /** The node the snapshot belongs to. */
  readonly name: string;
  /** Generation of the run that wrote it; the next run takes a higher one. */
  readonly generation: number;
  /** Wall-clock time of the write, ms since the epoch. */
  readonly savedAt: number;
  /** Other members known at the time (not those that left). */
  readonly members: readonly KnownMember[];
  /** The node's own keys, versions and tombstones. */
  readonly state: LocalState;
  /**
   * The cluster-scoped keys (`grapevine config`) with their timestamps and tombstones; absent in
   * snapshots written before they were kept.
   */
  readonly shared?: SharedSnapshot;
}

/** Snapshot format version written in the file. */
const FORMAT = 1;
/** File name of the snapshot inside the data dir. */
export const SNAPSHOT_FILE = "snapshot.json";

/** Result of {@link readSnapshot}. */
export type SnapshotRead =
  | { readonly kind: "ok"; readonly snapshot: AgentSnapshot }
  | { readonly kind: "missing" }
  | { readonly kind: "corrupt"; readonly reason: string };

/** Serialises a snapshot as JSON text (values in base64). */
export function encodeSnapshot(s: AgentSnapshot): string {
  return `${JSON.stringify(
    {
      format: FORMAT,
      name: s.name,
      generation: s.generation,
      savedAt: s.savedAt,
      members: s.members,
      state: {
        owner: s.state.owner,
        generation: s.state.generation,
        maxVersion: s.state.maxVersion,
        entries: s.state.entries.map((e) => ({
          key: e.key,
          value: Buffer.from(e.value).toString("base64"),
          version: e.version,
          tombstone: e.tombstone,
        })),
      },
      ...(s.shared === undefined
        ? {}
        : {
            shared: {
              lastContactAt: s.shared.lastContactAt,
              entries: s.shared.entries.map(sharedEntryJson),
              setAside: s.shared.setAside.map(sharedEntryJson),
            },
          }),
    },
    null,
    2,
  )}\n`;
}

function sharedEntryJson(e: SharedEntry): Record<string, unknown> {
  return {
    key: e.key,
    value: Buffer.from(e.value).toString("base64"),
    wall: e.wall,
    logical: e.logical,
    writer: e.writer,
    tombstone: e.tombstone,
  };
}

function sharedEntryOf(e: unknown): SharedEntry {
  if (
    !isRecord(e) ||
    typeof e.key !== "string" ||
    typeof e.value !== "string" ||
    !isCount(e.wall) ||
    !isCount(e.logical) ||
    typeof e.writer !== "string" ||
    typeof e.tombstone !== "boolean"
  ) {
    throw new Error("bad shared entry");
  }
  return {
    key: e.key,
    value: new Uint8Array(Buffer.from(e.value, "base64")),
    wall: e.wall,
    logical: e.logical,
    writer: e.writer,
    tombstone: e.tombstone,
  };
}

function sharedOf(raw: unknown): SharedSnapshot | undefined {
  if (raw === undefined) return undefined;
  if (
    !isRecord(raw) ||
    !isCount(raw.lastContactAt) ||
    !Array.isArray(raw.entries) ||
    !Array.isArray(raw.setAside)
  ) {
    throw new Error("bad shared keys");
  }
  return {
    lastContactAt: raw.lastContactAt,
    entries: raw.entries.map(sharedEntryOf),
    setAside: raw.setAside.map(sharedEntryOf),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Parses and checks snapshot text. Throws an `Error` saying what is wrong; never returns a
 * half-valid snapshot.
 */
export function decodeSnapshot(text: string): AgentSnapshot {
  const raw: unknown = JSON.parse(text);
  if (!isRecord(raw)) throw new Error("not a JSON object");
  if (raw.format !== FORMAT) throw new Error(`unknown format ${String(raw.format)}`);
  if (typeof raw.name !== "string" || raw.name === "") throw new Error("no node name");
  if (!isCount(raw.generation)) throw new Error("bad generation");
  if (!Array.isArray(raw.members)) throw new Error("no member list");
  const members: KnownMember[] = raw.members.map((m) => {
    if (
      !isRecord(m) ||
      typeof m.name !== "string" ||
      typeof m.status !== "string" ||
      !Array.isArray(m.addresses) ||
      !m.addresses.every((a) => typeof a === "string")
    ) {
      throw new Error("bad member entry");
    }
    return { name: m.name, status: m.status, addresses: m.addresses as string[] };
  });
  const st = raw.state;
  if (!isRecord(st) || typeof st.owner !== "string" || !Array.isArray(st.entries)) {
    throw new Error("bad state");
  }
  if (!isCount(st.generation) || !isCount(st.maxVersion)) throw new Error("bad state versions");
  const entries = st.entries.map((e) => {
    if (
      !isRecord(e) ||
      typeof e.key !== "string" ||
      typeof e.value !== "string" ||
      !isCount(e.version) ||
      typeof e.tombstone !== "boolean"
    ) {
      throw new Error("bad state entry");
    }
    return {
      key: e.key,
      value: new Uint8Array(Buffer.from(e.value, "base64")),
      version: e.version,
      tombstone: e.tombstone,
    };
  });
  const shared = sharedOf(raw.shared);
  return {
    name: raw.name,
    generation: raw.generation,
    savedAt: isCount(raw.savedAt) ? raw.savedAt : 0,
    members,
    state: {
      owner: st.owner,
      generation: st.generation,
      maxVersion: st.maxVersion,
      entries,
    },
    ...(shared === undefined ? {} : { shared }),
  };
}

/** Reads the snapshot in `dir`. A missing file is `missing`; anything unreadable is `corrupt`. */
export function readSnapshot(dir: string): SnapshotRead {
  let text: string;
  try {
    text = readFileSync(join(dir, SNAPSHOT_FILE), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "corrupt", reason: `cannot read: ${(err as Error).message}` };
  }
  try {
    return { kind: "ok", snapshot: decodeSnapshot(text) };
  } catch (err) {
    return { kind: "corrupt", reason: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Writes the snapshot in `dir` atomically: to a temporary file, fsync, rename over the old one,
 * fsync the directory. A crash at any point leaves either the old or the new snapshot whole.
 */
export function writeSnapshot(dir: string, snapshot: AgentSnapshot): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, SNAPSHOT_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, encodeSnapshot(snapshot));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dirFd = openSync(dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Directory fsync is not supported everywhere; the rename itself is still atomic.
  }
}

/**
 * Removes the temporary files of writes that never finished (`snapshot.json.<pid>.tmp`, left by a
 * crash between write and rename). Called at start, with the data dir locked, so no other agent
 * is writing one. Returns the names removed.
 */
export function removeStaleSnapshotTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => n.startsWith(`${SNAPSHOT_FILE}.`) && n.endsWith(".tmp"));
  for (const name of stale) rmSync(join(dir, name), { force: true });
  return stale;
}
