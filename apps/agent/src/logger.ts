import { writeSync } from "node:fs";
import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel } from "./config.js";
import type { LogHub } from "./log-hub.js";

/** The agent's logger (pino). */
export type AgentLogger = Logger;

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

const SKIP = new Set(["level", "time", "msg", "pid", "hostname"]);

function formatValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/**
 * Turns one pino JSON line into a human line: `12:00:01.234 INFO  message key=value ...`.
 * Exported for tests.
 */
export function humanLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = new Date(typeof record.time === "number" ? record.time : Date.now());
  const clock = time.toISOString().slice(11, 23);
  const level = (LEVEL_NAMES[Number(record.level)] ?? "LOG").padEnd(5);
  const fields = Object.entries(record)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return [clock, level, String(record.msg ?? ""), ...fields].join(" ").trimEnd();
}

/** A synchronous stderr destination, so no line is lost when the process exits. */
function stderrDestination(human: boolean, hub: LogHub | undefined): DestinationStream {
  return {
    write(line: string) {
      writeSync(2, human ? `${humanLine(line)}\n` : line);
      hub?.publish(line);
    },
  };
}

/**
 * Creates the agent's logger: human lines on stderr by default, pino JSON lines with `json`.
 * With `hub`, every line logged is also handed to it (for `grapevine monitor`).
 */
export function createLogger(level: LogLevel, json: boolean, hub?: LogHub): AgentLogger {
  return pino({ level, base: null }, stderrDestination(!json, hub));
}
