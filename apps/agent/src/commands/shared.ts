import type { StatAggregate } from "@grapevine/cluster";
import type { Io } from "../io.js";
import { formatTable } from "../table.js";
import { type ClientOptions, clientFor } from "./client-options.js";

/** A config value as the API returns it. */
interface ConfigValue {
  readonly key: string;
  readonly value: string;
  readonly encoding?: "base64";
}

/** Each segment of a key encoded on its own, so `/` in keys stays a path separator. */
function keyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/** `grapevine config set KEY VALUE`: writes a cluster-scoped key (last writer wins). */
export async function configSetCommand(
  key: string,
  value: string,
  options: ClientOptions,
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  await client.request("PUT", `/v1/config/${keyPath(key)}`, {
    body: JSON.stringify({ value }),
    contentType: "application/json",
  });
  io.stdout.write(`config: set ${key}\n`);
  return 0;
}

/** `grapevine config get KEY`: prints the value alone; exits 1 when the key is absent. */
export async function configGetCommand(
  key: string,
  options: ClientOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  const res = await client.raw("GET", `/v1/config/${keyPath(key)}`);
  if (res.status === 404) {
    await res.body?.cancel();
    return 1;
  }
  if (res.status !== 200) {
    // The usual error message and exit code.
    await client.request("GET", `/v1/config/${keyPath(key)}`);
    return 1;
  }
  const e = (await res.json()) as ConfigValue;
  if (options.json) io.stdout.write(`${JSON.stringify(e)}\n`);
  else if (e.encoding === "base64") io.stdout.write(Buffer.from(e.value, "base64"));
  else io.stdout.write(`${e.value}\n`);
  return 0;
}

/** `grapevine config delete KEY`: deletes a cluster-scoped key everywhere. */
export async function configDeleteCommand(
  key: string,
  options: ClientOptions,
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  await client.request("DELETE", `/v1/config/${keyPath(key)}`);
  io.stdout.write(`config: deleted ${key}\n`);
  return 0;
}

/** `grapevine config list [PREFIX]`: every cluster-scoped key (under PREFIX). */
export async function configListCommand(
  prefix: string | undefined,
  options: ClientOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  const query = prefix === undefined ? "" : `?prefix=${encodeURIComponent(prefix)}`;
  const { body } = await client.request("GET", `/v1/config${query}`);
  const entries = (body as { entries: ConfigValue[] }).entries;
  if (options.json) io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else if (entries.length === 0) io.stdout.write("no config keys\n");
  else {
    const rows = entries.map((e) => [
      e.key,
      e.encoding === "base64" ? `base64:${e.value}` : JSON.stringify(e.value),
    ]);
    io.stdout.write(`${formatTable(["KEY", "VALUE"], rows)}\n`);
  }
  return 0;
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** `grapevine stats [NAME]`: cluster aggregates of the telemetry the agent holds. */
export async function statsCommand(
  name: string | undefined,
  options: ClientOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  const { body } = await client.request(
    "GET",
    name === undefined ? "/v1/stats" : `/v1/stats/${keyPath(name)}`,
  );
  const stats =
    name === undefined ? (body as { stats: StatAggregate[] }).stats : [body as StatAggregate];
  if (options.json) io.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
  else if (stats.length === 0) io.stdout.write("no stats\n");
  else {
    const rows = stats.map((s) => [
      s.name,
      String(s.nodes.length),
      num(s.min),
      num(s.mean),
      num(s.p50),
      num(s.p90),
      num(s.p99),
      num(s.max),
      `${(s.oldestAgeMs / 1000).toFixed(1)}s`,
    ]);
    const head = ["NAME", "NODES", "MIN", "MEAN", "P50", "P90", "P99", "MAX", "OLDEST"];
    io.stdout.write(`${formatTable(head, rows)}\n`);
  }
  return 0;
}
