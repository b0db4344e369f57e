import type { Io } from "../io.js";
import { formatTable } from "../table.js";
import { type ClientOptions, clientFor } from "./client-options.js";

/** One key as the API returns it. */
interface KvEntry {
  readonly node: string;
  readonly key: string;
  readonly value: string;
  readonly encoding?: "base64";
  readonly version: number;
}

/** A key as a path: `/` stays as written (`app/db/url` is `/v1/kv/app/db/url`). */
function path(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

function display(e: KvEntry): string {
  if (e.encoding === "base64") return `base64:${e.value}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are escaped for display
  return /[\u0000-\u001f"]/.test(e.value) || e.value === "" ? JSON.stringify(e.value) : e.value;
}

/** `grapevine set KEY VALUE`: sets one of the agent's own keys. */
export async function setCommand(
  key: string,
  value: string,
  options: ClientOptions,
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  const { body } = await client.request("PUT", `/v1/kv/${path(key)}`, {
    body: JSON.stringify({ value }),
    contentType: "application/json",
  });
  const r = body as { node: string; version: number };
  io.stdout.write(`${r.node}: set ${key} (version ${r.version})\n`);
  return 0;
}

/** `grapevine delete KEY`: deletes one of the agent's own keys. */
export async function deleteCommand(key: string, options: ClientOptions, io: Io): Promise<number> {
  const client = clientFor(options, io);
  const { body } = await client.request("DELETE", `/v1/kv/${path(key)}`);
  io.stdout.write(`${(body as { node: string }).node}: deleted ${key}\n`);
  return 0;
}

/** `grapevine get [NODE] KEY`: prints a key of NODE (default: the agent itself). */
export async function getCommand(
  first: string,
  second: string | undefined,
  options: ClientOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  const route =
    second === undefined
      ? `/v1/kv/${path(first)}`
      : `/v1/kv/${path(second)}?owner=${encodeURIComponent(first)}`;
  const { body } = await client.request("GET", route);
  const e = body as KvEntry;
  if (options.json) io.stdout.write(`${JSON.stringify(e)}\n`);
  else if (e.encoding === "base64") io.stdout.write(Buffer.from(e.value, "base64"));
  else io.stdout.write(`${e.value}\n`);
  return 0;
}

/** `grapevine kv`: every key of every node the agent holds. */
export async function kvCommand(
  options: ClientOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  const { body } = await client.request("GET", "/v1/kv");
  const entries = (body as { entries: KvEntry[] }).entries;
  if (options.json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  } else if (entries.length === 0) {
    io.stdout.write("no keys\n");
  } else {
    io.stdout.write(
      `${formatTable(
        ["NODE", "KEY", "VERSION", "VALUE"],
        entries.map((e) => [e.node, e.key, String(e.version), display(e)]),
      )}\n`,
    );
  }
  return 0;
}
