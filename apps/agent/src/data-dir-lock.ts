import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "./errors.js";

/** File name of the lock inside the data dir. */
export const LOCK_FILE = "LOCK";

/** What a lock file records about the agent that holds it. */
interface LockHolder {
  /** Process id of the holder. */
  readonly pid: number;
  /** Member name of the holder, for the error message only. */
  readonly name: string | undefined;
}

/** Lock files this process holds (absolute paths), to tell its own locks from stale ones. */
const held = new Set<string>();

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR" || code === "EEXIST") return "not a directory";
  if (code === "EROFS") return "read-only file system";
  return code ?? (err instanceof Error ? err.message : String(err));
}

/** The holder the lock file at `path` records, or why none can be read from it. */
function readHolder(path: string): LockHolder | string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return `cannot read it (${why(err)})`;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  const record = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  // Zero and negative pids address process groups in kill(2): never a holder.
  if (!Number.isSafeInteger(record.pid) || (record.pid as number) <= 0) return "no valid pid";
  return {
    pid: record.pid as number,
    name: typeof record.name === "string" ? record.name : undefined,
  };
}

/** Whether `pid` names a running process: signal 0 checks without sending anything. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it just belongs to another user.
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Whether `holder` still holds its lock at `path`. A lock naming this very process that this
 * process does not hold was left by an earlier run with the same pid, as a restarted
 * container's pid 1 leaves one: it is stale although the pid runs.
 */
function stillHeld(path: string, holder: LockHolder): boolean {
  return holder.pid === process.pid ? held.has(path) : isRunning(holder.pid);
}

function describeHolder(holder: LockHolder): string {
  return holder.name === undefined ? `pid ${holder.pid}` : `pid ${holder.pid}, node ${holder.name}`;
}

/** Deletes `path`; a file already gone is fine, anything else is a {@link UsageError}. */
function removeFile(path: string, what: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new UsageError(`${what} (${why(err)})`);
    }
  }
}

/**
 * An exclusive lock on an agent's data dir, so that two agents never write the same snapshot:
 * the file {@link LOCK_FILE} in the dir, created exclusively and holding the owner's pid and
 * member name as JSON. It only guards against agents on the same host (pids are local).
 */
export class DataDirLock {
  private released = false;

  private constructor(
    /** The lock file (absolute). */
    readonly path: string,
    /** When a stale lock was replaced to take this one: why it was stale. */
    readonly tookOver: string | undefined,
  ) {}

  /**
   * Takes the lock on `dir` (created if missing) for member `name`. A lock whose holder no longer
   * runs, or whose file cannot be read or parsed, is replaced and reported in
   * {@link DataDirLock.tookOver}. Throws {@link UsageError} with one line when a running process
   * holds it, or when the lock file cannot be created.
   */
  static acquire(dir: string, name: string): DataDirLock {
    const where = resolve(dir);
    const path = join(where, LOCK_FILE);
    try {
      mkdirSync(where, { recursive: true });
    } catch (err) {
      throw new UsageError(`data dir ${where}: cannot create it (${why(err)})`);
    }
    let tookOver: string | undefined;
    // A second round only when another agent replacing the same stale lock won the exclusive
    // create: this one then finds that agent's lock and refuses. (Two agents replacing it in the
    // very same instant can still both succeed: a pid file cannot rule that out.)
    for (let round = 0; round < 2; round += 1) {
      let fd: number;
      try {
        fd = openSync(path, "wx", 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
          throw new UsageError(`data dir ${where}: cannot create ${path} (${why(err)})`);
        }
        const holder = readHolder(path);
        if (typeof holder === "string") {
          tookOver = `unreadable lock file: ${holder}`;
        } else if (stillHeld(path, holder)) {
          throw new UsageError(
            `data dir ${where} is in use by another agent (${describeHolder(holder)}); stop it first, or delete ${path} if that process is not an agent`,
          );
        } else {
          tookOver =
            holder.pid === process.pid
              ? `pid ${holder.pid} is this process, left by an earlier run`
              : `pid ${holder.pid} is no longer running`;
        }
        removeFile(path, `data dir ${where}: cannot replace the stale ${path}`);
        continue;
      }
      try {
        writeSync(fd, `${JSON.stringify({ pid: process.pid, name })}\n`);
      } catch (err) {
        removeFile(path, `data dir ${where}: cannot write ${path}`);
        throw new UsageError(`data dir ${where}: cannot write ${path} (${why(err)})`);
      } finally {
        closeSync(fd);
      }
      held.add(path);
      return new DataDirLock(path, tookOver);
    }
    throw new UsageError(`data dir ${where}: another agent is taking ${path} at this moment`);
  }

  /**
   * Deletes the lock file if it still names this process (someone may have replaced it).
   * Idempotent; never throws. Returns whether the file was deleted.
   */
  release(): boolean {
    if (this.released) return false;
    this.released = true;
    held.delete(this.path);
    const holder = readHolder(this.path);
    if (typeof holder === "string" || holder.pid !== process.pid) return false;
    try {
      unlinkSync(this.path);
      return true;
    } catch {
      return false;
    }
  }
}
