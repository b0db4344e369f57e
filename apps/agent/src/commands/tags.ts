import { parseTag } from "../config.js";
import type { Io } from "../io.js";
import { type ClientOptions, clientFor } from "./client-options.js";

function printTags(tags: Record<string, string>, io: Io): void {
  const entries = Object.entries(tags);
  io.stdout.write(
    entries.length === 0 ? "no tags\n" : `${entries.map(([k, v]) => `${k}=${v}`).join("\n")}\n`,
  );
}

/** `grapevine tags set k=v...`: adds or replaces tags of the agent's node. */
export async function tagsSetCommand(
  pairs: string[],
  options: ClientOptions,
  io: Io,
): Promise<number> {
  const tags = Object.fromEntries(pairs.map((p) => parseTag(p, "tags set")));
  const client = clientFor(options, io);
  const { body } = await client.request("PUT", "/v1/tags", {
    body: JSON.stringify(tags),
    contentType: "application/json",
  });
  printTags((body as { tags: Record<string, string> }).tags, io);
  return 0;
}

/** `grapevine tags delete k...`: removes tags of the agent's node. */
export async function tagsDeleteCommand(
  keys: string[],
  options: ClientOptions,
  io: Io,
): Promise<number> {
  const client = clientFor(options, io);
  const query = keys.map((k) => `key=${encodeURIComponent(k)}`).join("&");
  const { body } = await client.request("DELETE", `/v1/tags?${query}`);
  printTags((body as { tags: Record<string, string> }).tags, io);
  return 0;
}

/** `grapevine tags`: lists the agent's tags. */
export async function tagsListCommand(options: ClientOptions, io: Io): Promise<number> {
  const { body } = await clientFor(options, io).request("GET", "/v1/tags");
  printTags((body as { tags: Record<string, string> }).tags, io);
  return 0;
}
