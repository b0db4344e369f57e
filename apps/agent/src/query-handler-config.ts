import { PING_QUERY } from "@grapevine/cluster";
import { parseDuration } from "./duration.js";
import { UsageError } from "./errors.js";

/** Default time a query handler's command may run, ms. */
export const DEFAULT_QUERY_HANDLER_TIMEOUT_MS = 5_000;
/** Longest time a query handler's command may be given, ms. */
export const MAX_QUERY_HANDLER_TIMEOUT_MS = 60_000;
/** Largest answer a query may carry, bytes (the library's response limit). */
export const MAX_QUERY_HANDLER_OUTPUT_BYTES = 1024;
/** Longest query name, bytes (the library's limit). */
const MAX_QUERY_NAME_BYTES = 256;
/** Most handlers a configuration may declare. */
const MAX_QUERY_HANDLERS = 64;

/**
 * A query answered by a command (config file `queryHandlers`), Serf's event-handler model: the
 * query's payload goes to the command's standard input and its standard output, when it exits 0
 * within the time limit, is the answer.
 */
export interface QueryHandlerConfig {
  /** The query name it answers. */
  readonly name: string;
  /**
   * What runs: a string is run by `/bin/sh -c` (pipes and variables work), an array is the
   * program and its arguments, with no shell.
   */
  readonly command: string | readonly string[];
  /** The command is killed after this long and nothing is answered, ms (default 5 s). */
  readonly timeoutMs: number;
  /** More output than this kills the command and nothing is answered, bytes (default 1,024). */
  readonly maxOutputBytes: number;
}

const KEYS = ["name", "command", "timeout", "maxOutputBytes"];

/**
 * Parses `queryHandlers`: a list of `{name, command, timeout?, maxOutputBytes?}`. Throws a
 * {@link UsageError} naming the entry and field at fault (`queryHandlers[1].timeout: ...`).
 */
export function asQueryHandlers(value: unknown, label: string): QueryHandlerConfig[] {
  if (!Array.isArray(value)) {
    throw new UsageError(`${label}: expected a list of {name, command, timeout, maxOutputBytes}`);
  }
  if (value.length > MAX_QUERY_HANDLERS) {
    throw new UsageError(`${label}: at most ${MAX_QUERY_HANDLERS} handlers, got ${value.length}`);
  }
  const seen = new Set<string>();
  return value.map((entry: unknown, i) => {
    const at = `${label}[${i}]`;
    const handler = asQueryHandler(entry, at);
    if (seen.has(handler.name)) {
      throw new UsageError(
        `${at}.name: a second handler for query ${JSON.stringify(handler.name)}`,
      );
    }
    seen.add(handler.name);
    return handler;
  });
}

function asQueryHandler(entry: unknown, at: string): QueryHandlerConfig {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new UsageError(`${at}: expected a mapping with name and command`);
  }
  const o = entry as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) {
      throw new UsageError(`${at}: unknown key ${JSON.stringify(key)} (known: ${KEYS.join(", ")})`);
    }
  }
  if (typeof o.name !== "string" || o.name.trim() === "") {
    throw new UsageError(`${at}.name: expected the query's name`);
  }
  const name = o.name.trim();
  if (Buffer.byteLength(name) > MAX_QUERY_NAME_BYTES) {
    throw new UsageError(`${at}.name: at most ${MAX_QUERY_NAME_BYTES} bytes`);
  }
  if (name === PING_QUERY || name.startsWith("_grapevine-")) {
    throw new UsageError(
      `${at}.name: ${JSON.stringify(name)} is ${name === PING_QUERY ? "built in" : "reserved for Grapevine's own queries"}`,
    );
  }
  const command = asCommand(o.command, `${at}.command`);
  let timeoutMs = DEFAULT_QUERY_HANDLER_TIMEOUT_MS;
  if (o.timeout !== undefined) {
    if (typeof o.timeout !== "number" && typeof o.timeout !== "string") {
      throw new UsageError(`${at}.timeout: expected a duration like 5s`);
    }
    timeoutMs = parseDuration(o.timeout, `${at}.timeout`);
    if (timeoutMs < 1 || timeoutMs > MAX_QUERY_HANDLER_TIMEOUT_MS) {
      throw new UsageError(
        `${at}.timeout: must be between 1ms and ${MAX_QUERY_HANDLER_TIMEOUT_MS / 1000}s`,
      );
    }
  }
  let maxOutputBytes = MAX_QUERY_HANDLER_OUTPUT_BYTES;
  if (o.maxOutputBytes !== undefined) {
    const n = o.maxOutputBytes;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
      throw new UsageError(`${at}.maxOutputBytes: expected a whole number of bytes, at least 1`);
    }
    if (n > MAX_QUERY_HANDLER_OUTPUT_BYTES) {
      throw new UsageError(
        `${at}.maxOutputBytes: at most ${MAX_QUERY_HANDLER_OUTPUT_BYTES} (the largest answer a query may carry), got ${n}`,
      );
    }
    maxOutputBytes = n;
  }
  return { name, command, timeoutMs, maxOutputBytes };
}

function asCommand(value: unknown, label: string): string | string[] {
  if (typeof value === "string") {
    if (value.trim() === "") throw new UsageError(`${label}: empty command`);
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || value.some((v) => typeof v !== "string")) {
      throw new UsageError(`${label}: expected the program and its arguments, as strings`);
    }
    if ((value[0] as string).trim() === "") throw new UsageError(`${label}: empty program name`);
    return value as string[];
  }
  throw new UsageError(
    `${label}: expected a shell command (a string) or a program and its arguments (a list)`,
  );
}
