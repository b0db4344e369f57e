import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type Keyring, KeyringError, parseKeyringFile } from "@grapevine/cluster";
import type { AgentConfig } from "./config.js";
import { RuntimeError, UsageError } from "./errors.js";
import type { AgentLogger } from "./logger.js";

/** Mode of a keyring file: owner read and write, nobody else. */
export const KEYRING_FILE_MODE = 0o600;

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return code ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Writes a keyring file atomically with mode 0600: the keyring goes to a temporary file (created
 * 0600) in the same directory, which is fsynced and renamed over the old file; then the directory
 * is fsynced. A crash leaves the old or the new keyring whole, never half of one, and the keys are
 * never readable by others, not even for a moment. Throws {@link RuntimeError} with a message that
 * holds no key material.
 */
export function writeKeyringFile(path: string, keyring: Keyring): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", KEYRING_FILE_MODE);
    writeSync(fd, keyring.toKeyringFile());
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw new RuntimeError(`cannot write keyring file ${path}: ${why(err)}`);
  }
  try {
    const dirFd = openSync(dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is done either way.
  }
}

/** The keyring an agent starts with, and what to log about it once logging is due. */
export interface LoadedKeyring {
  /** Undefined when the agent runs without encryption. */
  readonly keyring: Keyring | undefined;
  /** The keyring file in use (absolute), if any. */
  readonly file: string | undefined;
  readonly log: (logger: AgentLogger) => void;
}

/**
 * Builds the agent's keyring from its configuration:
 * - with `--keyring FILE` and an existing file: the file's keys, primary first (`--encrypt` is
 *   then ignored, with a warning, if its key differs from the file's primary: the file holds the
 *   result of later rotations);
 * - with `--keyring FILE`, no file and `--encrypt KEY`: KEY, written to a new file (0600);
 * - with `--encrypt KEY` only: KEY, kept in memory (rotations are then not persisted).
 *
 * Throws {@link UsageError} for a missing or unreadable file without a key to create it from,
 * {@link RuntimeError} when the file cannot be written. No message holds key material.
 */
export function loadKeyring(config: AgentConfig): LoadedKeyring {
  // A copy: rotations change the live keyring, not the configuration.
  const given =
    config.encryptKey === undefined
      ? undefined
      : parseKeyringFile(config.encryptKey.toKeyringFile());
  if (config.keyringFile === undefined) {
    return {
      keyring: given,
      file: undefined,
      log: (logger) => {
        if (given) {
          logger.info(
            { primary: given.primary, mode: config.encryption },
            "encryption on; keyring not persisted (no --keyring file)",
          );
        }
      },
    };
  }
  const file = resolve(config.keyringFile);
  let text: string | undefined;
  let mode = 0;
  try {
    text = readFileSync(file, "utf8");
    mode = statSync(file).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new UsageError(`--keyring ${file}: cannot read (${why(err)})`);
    }
  }
  if (text === undefined) {
    if (given === undefined) {
      throw new UsageError(
        `--keyring ${file}: no such file; give --encrypt KEY once to create it with that key`,
      );
    }
    writeKeyringFile(file, given);
    return {
      keyring: given,
      file,
      log: (logger) =>
        logger.info(
          { keyringFile: file, primary: given.primary, mode: config.encryption },
          "encryption on; keyring file created",
        ),
    };
  }
  let keyring: Keyring;
  try {
    keyring = parseKeyringFile(text);
  } catch (err) {
    const message = err instanceof KeyringError ? err.message : "not a keyring file";
    throw new UsageError(`--keyring ${file}: ${message}`);
  }
  return {
    keyring,
    file,
    log: (logger) => {
      logger.info(
        {
          keyringFile: file,
          keys: keyring.size,
          primary: keyring.primary,
          mode: config.encryption,
        },
        "encryption on; keyring loaded",
      );
      if (given !== undefined && given.primary !== keyring.primary) {
        logger.warn(
          { keyringFile: file, ignored: given.primary },
          "--encrypt ignored: the keyring file exists and its primary key differs (it holds later rotations)",
        );
      }
      if ((mode & 0o077) !== 0) {
        logger.warn(
          { keyringFile: file, mode: (mode & 0o777).toString(8) },
          "keyring file is readable by others; chmod 600 it",
        );
      }
    },
  };
}
