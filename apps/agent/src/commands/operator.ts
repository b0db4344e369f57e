import { RuntimeError, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { humanLine } from "../logger.js";
import { expectStream, readSse } from "../sse-client.js";
import { type ClientOptions, clientFor } from "./client-options.js";

const json = "application/json";

/** `key=value` pairs of repeatable flags as an object, naming the flag when one is malformed. */
export function pairs(list: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const at = item.indexOf("=");
    if (at <= 0) throw new UsageError(`${flag}: expected KEY=REGEX, got ${JSON.stringify(item)}`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** `grapevine join ADDR...`: joins through these addresses now; exit 1 when none answered. */
export async function joinCommand(
  addresses: string[],
  options: ClientOptions,
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  const res = await client.raw("POST", "/v1/join", {
    body: JSON.stringify({ addresses }),
    contentType: json,
    timeoutMs: 30_000,
  });
  const body = (await res.json()) as {
    joined?: number;
    failures?: { seed: string; address?: string; cause: string }[];
    error?: { message: string };
  };
  if (body.error) {
    if (res.status === 400) throw new UsageError(body.error.message);
    throw new RuntimeError(body.error.message);
  }
  for (const f of body.failures ?? []) {
    io.stderr.write(`${f.seed}${f.address ? ` (${f.address})` : ""}: ${f.cause}\n`);
  }
  io.stdout.write(`joined ${body.joined ?? 0}\n`);
  return (body.joined ?? 0) > 0 ? 0 : 1;
}

/** `grapevine event NAME [PAYLOAD]`: sends a user event to every member. */
export async function eventCommand(
  name: string,
  payload: string | undefined,
  options: ClientOptions & { coalesce?: boolean },
  io: Io,
): Promise<number> {
  const { body } = await clientFor(options, io).request("POST", "/v1/event", {
    body: JSON.stringify({ name, payload: payload ?? "", coalesce: options.coalesce ?? false }),
    contentType: json,
  });
  io.stdout.write(`event ${name} sent (${(body as { bytes: number }).bytes} bytes)\n`);
  return 0;
}

/** Options of `grapevine query`. */
export interface QueryCommandOptions extends ClientOptions {
  readonly tag?: string[];
  readonly node?: string[];
  readonly timeout?: string;
  readonly noAck?: boolean;
  readonly json?: boolean;
}

/**
 * `grapevine query NAME [PAYLOAD]`: sends a query and prints one line per member as it answers
 * (`NAME response` or `NAME ack`), then a summary. Exit 0 even when some did not answer (the
 * summary names them), like Serf.
 */
export async function queryCommand(
  name: string,
  payload: string | undefined,
  options: QueryCommandOptions,
  io: Io,
): Promise<number> {
  let timeoutMs: number | undefined;
  if (options.timeout !== undefined) {
    const { parseDuration } = await import("../duration.js");
    timeoutMs = parseDuration(options.timeout, "--timeout");
  }
  const tags = pairs(options.tag, "--tag");
  const client = clientFor(options, io);
  const res = await client.raw("POST", "/v1/query", {
    body: JSON.stringify({
      name,
      payload: payload ?? "",
      ...(options.node?.length ? { nodes: options.node } : {}),
      ...(Object.keys(tags).length ? { tags } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      requestAck: options.noAck !== true,
    }),
    contentType: json,
    timeoutMs: (timeoutMs ?? 60_000) + 30_000,
  });
  if (res.status === 400 || res.status === 413) {
    const body = (await res.json()) as { error?: { message?: string } };
    throw new UsageError(body.error?.message ?? `HTTP ${res.status}`);
  }
  await expectStream(res, client.base, "/v1/query");
  let summary: Record<string, unknown> | undefined;
  await readSse(res, client.base, (event, data) => {
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
      if (event === "summary") summary = data;
      return;
    }
    if (event === "ack") io.stdout.write(`${String(data.from)} ack\n`);
    else if (event === "response") {
      const text = data.encoding === "base64" ? `base64:${String(data.value)}` : String(data.value);
      io.stdout.write(`${String(data.from)} ${text}\n`);
    } else if (event === "summary") summary = data;
  });
  if (summary === undefined) throw new RuntimeError("the query ended with no summary");
  if (!options.json) {
    const list = (k: string) => (summary?.[k] as string[] | undefined) ?? [];
    io.stdout.write(
      `total acks: ${list("acked").length}, responses: ${list("responded").length} of ${list("expected").length}` +
        `${list("missing").length ? `; no response from ${list("missing").join(", ")}` : ""}\n`,
    );
  }
  return 0;
}

/** `grapevine force-leave NAME [--prune]`: a failed member goes to left everywhere. */
export async function forceLeaveCommand(
  name: string,
  options: ClientOptions & { prune?: boolean },
  io: Io,
): Promise<number> {
  await clientFor(options, io).request("POST", "/v1/force-leave", {
    body: JSON.stringify({ name, prune: options.prune ?? false }),
    contentType: json,
  });
  io.stdout.write(`${name}: forced to leave${options.prune ? " (pruned)" : ""}\n`);
  return 0;
}

/** `grapevine reachability`: pings every member by query; exit 1 when some did not answer. */
export async function reachabilityCommand(
  options: ClientOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const { body } = await clientFor(options, io).request("GET", "/v1/reachability", {
    timeoutMs: 120_000,
  });
  const s = body as { expected: string[]; responded: string[]; missing: string[] };
  if (options.json) io.stdout.write(`${JSON.stringify(s)}\n`);
  else {
    io.stdout.write(`${s.responded.length} of ${s.expected.length} members answered\n`);
    for (const m of s.missing) io.stdout.write(`no answer: ${m}\n`);
  }
  return s.missing.length === 0 ? 0 : 1;
}

/** `grapevine monitor [--level L]`: the agent's log lines until Ctrl-C. */
export async function monitorCommand(
  options: ClientOptions & { level?: string },
  io: Io,
  stop: AbortSignal,
): Promise<number> {
  const client = clientFor(options, io);
  const path = `/v1/monitor${options.level ? `?level=${encodeURIComponent(options.level)}` : ""}`;
  const res = await client.raw("GET", path, { signal: stop });
  await expectStream(res, client.base, path);
  try {
    await readSse(res, client.base, (_event, data) => {
      io.stdout.write(`${humanLine(JSON.stringify(data))}\n`);
    });
  } catch (err) {
    if (stop.aborted) return 0;
    throw new RuntimeError(`lost the log stream from ${client.base}: ${(err as Error).message}`);
  }
  if (stop.aborted) return 0;
  throw new RuntimeError(`the agent at ${client.base} closed the log stream`);
}

/**
 * `grapevine rtt A [B]`: the round-trip time between members A and B (default: the agent
 * itself) estimated from their network coordinates, like `serf rtt`. Exit 1 when the agent holds
 * no coordinate for one of them yet.
 */
export async function rttCommand(
  a: string,
  b: string | undefined,
  options: ClientOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const query = `a=${encodeURIComponent(a)}${b === undefined ? "" : `&b=${encodeURIComponent(b)}`}`;
  const { body } = await clientFor(options, io).request("GET", `/v1/rtt?${query}`);
  const r = body as { a: { name: string }; b: { name: string }; rttMs: number };
  if (options.json) io.stdout.write(`${JSON.stringify(r)}\n`);
  else io.stdout.write(`estimated ${r.a.name} <-> ${r.b.name} rtt: ${r.rttMs.toFixed(3)} ms\n`);
  return 0;
}
