import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataDirLock, LOCK_FILE } from "../src/data-dir-lock.js";
import { UsageError } from "../src/errors.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "grapevine-lock-"));
}

function lockContent(dir: string): unknown {
  return JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
}

/** The pid of a process that has exited (and been reaped), so nothing runs under it. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid!;
}

/** Calls `body`, expecting a one-line {@link UsageError}; returns its message. */
function usageError(body: () => unknown): string {
  try {
    body();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a UsageError");
}

describe("data dir lock", () => {
  it("is a file with this process's pid and node name, in a data dir created if missing", () => {
    const dir = join(tempDir(), "nested", "data");
    const lock = DataDirLock.acquire(dir, "alpha");
    expect(lock.path).toBe(join(dir, LOCK_FILE));
    expect(lock.tookOver).toBeUndefined();
    expect(lockContent(dir)).toEqual({ pid: process.pid, name: "alpha" });
    expect(lock.release()).toBe(true);
    expect(existsSync(lock.path)).toBe(false);
  });

  it("is refused while another running process holds it, naming the data dir and its pid", () => {
    const dir = tempDir();
    // The parent of this test process runs for as long as the test does.
    const holder = { pid: process.ppid, name: "other" };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder));
    const message = usageError(() => DataDirLock.acquire(dir, "alpha"));
    expect(message).toContain(
      `data dir ${dir} is in use by another agent (pid ${process.ppid}, node other)`,
    );
    expect(lockContent(dir)).toEqual(holder);
  });

  it("is refused to a second agent in the same process", () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir, "alpha");
    try {
      const message = usageError(() => DataDirLock.acquire(dir, "bravo"));
      expect(message).toContain(`(pid ${process.pid}, node alpha)`);
      expect(lockContent(dir)).toEqual({ pid: process.pid, name: "alpha" });
    } finally {
      lock.release();
    }
  });

  it("takes over a lock whose process is no longer running", async () => {
    const dir = tempDir();
    const pid = await deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, name: "crashed" }));
    const lock = DataDirLock.acquire(dir, "alpha");
    expect(lock.tookOver).toBe(`pid ${pid} is no longer running`);
    expect(lockContent(dir)).toEqual({ pid: process.pid, name: "alpha" });
    expect(lock.release()).toBe(true);
  });

  it("takes over a lock left with this process's pid by an earlier run (a container's pid 1)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, name: "alpha" }));
    const lock = DataDirLock.acquire(dir, "alpha");
    expect(lock.tookOver).toMatch(/this process, left by an earlier run/);
    expect(lock.release()).toBe(true);
  });

  it("takes over a lock file that is empty, not JSON or without a valid pid", () => {
    const dir = tempDir();
    for (const garbage of [
      "",
      "{not json",
      "null",
      "[]",
      '{"pid":"1"}',
      '{"pid":0}',
      '{"pid":-1}',
    ]) {
      writeFileSync(join(dir, LOCK_FILE), garbage);
      const lock = DataDirLock.acquire(dir, "alpha");
      expect(lock.tookOver, garbage).toMatch(/^unreadable lock file: /);
      expect(lockContent(dir)).toEqual({ pid: process.pid, name: "alpha" });
      expect(lock.release()).toBe(true);
    }
  });

  it("is released only while the file still names this process, and only once", () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir, "alpha");
    const replaced = { pid: process.ppid, name: "other" };
    writeFileSync(lock.path, JSON.stringify(replaced));
    expect(lock.release()).toBe(false);
    expect(lockContent(dir)).toEqual(replaced);

    const again = tempDir();
    const ours = DataDirLock.acquire(again, "alpha");
    expect(ours.release()).toBe(true);
    // Someone else's lock created after ours was released stays.
    writeFileSync(ours.path, JSON.stringify({ pid: process.pid, name: "next" }));
    expect(ours.release()).toBe(false);
    expect(existsSync(ours.path)).toBe(true);
  });

  it("cannot lock a data dir that is a file", () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "");
    expect(usageError(() => DataDirLock.acquire(file, "alpha"))).toMatch(
      new RegExp(`^data dir ${file}: cannot create`),
    );
  });
});
