import { RuntimeError } from "../errors.js";
import type { Io } from "../io.js";
import { SseParser } from "../sse-parser.js";
import type { MemberView } from "../views.js";
import { type ClientOptions, clientFor } from "./client-options.js";

/** Formats one streamed event as a human line. */
export function watchLine(event: Record<string, unknown>): string {
  const time = typeof event.time === "string" ? event.time.slice(11, 23) : "";
  const type = String(event.type);
  if (type === "key-changed") {
    const value = event.deleted
      ? "deleted"
      : `= ${event.encoding === "base64" ? `base64:${event.value}` : JSON.stringify(event.value)}`;
    return `${time} ${type.padEnd(14)} ${String(event.node)} ${String(event.key)} ${value} (version ${String(event.version)})`;
  }
  if (type === "user-message") {
    return `${time} ${type.padEnd(14)} ${String(event.from)} ${String(event.name)}`;
  }
  if (type === "shared-changed") {
    const value = event.deleted
      ? "deleted"
      : `= ${event.encoding === "base64" ? `base64:${event.value}` : JSON.stringify(event.value)}`;
    return `${time} ${type.padEnd(14)} ${String(event.key)} ${value} (by ${String(event.writer)})`;
  }
  if (type === "health-changed") {
    return `${time} ${type.padEnd(14)} ${String(event.previous)} → ${String(event.state)}`;
  }
  const m = event.member as MemberView | undefined;
  return `${time} ${type.padEnd(14)} ${m?.name ?? "?"} ${m?.status ?? ""} ${m?.addresses.join(",") ?? ""}`.trimEnd();
}

/**
 * `grapevine watch`: prints membership and key events as the agent sees them until Ctrl-C
 * (exit 0); exits 1 when the agent ends the stream (it stopped or left).
 */
export async function watchCommand(
  options: ClientOptions & { json?: boolean },
  io: Io,
  stop: AbortSignal,
): Promise<number> {
  const client = clientFor(options, io);
  const res = await client.raw("GET", "/v1/events", { signal: stop });
  if (res.status !== 200 || res.body === null) {
    throw new RuntimeError(`agent at ${client.base} answered HTTP ${res.status} to /v1/events`);
  }
  io.stderr.write(`watching events of the agent at ${client.base} (Ctrl-C to stop)\n`);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      for (const e of parser.push(decoder.decode(chunk, { stream: true }))) {
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(e.data) as Record<string, unknown>;
        } catch {
          continue;
        }
        io.stdout.write(options.json ? `${JSON.stringify(event)}\n` : `${watchLine(event)}\n`);
      }
    }
  } catch (err) {
    if (stop.aborted) return 0;
    throw new RuntimeError(`lost the event stream from ${client.base}: ${(err as Error).message}`);
  }
  if (stop.aborted) return 0;
  throw new RuntimeError(`the agent at ${client.base} closed the event stream`);
}
