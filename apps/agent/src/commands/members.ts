import { UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { formatTable } from "../table.js";
import type { MemberView } from "../views.js";
import { type ClientOptions, clientFor } from "./client-options.js";

/** Options of `grapevine members`. */
export interface MembersOptions extends ClientOptions {
  readonly json?: boolean;
  readonly status?: string;
  /** KEY=REGEX, repeatable. */
  readonly tag?: string[];
  /** Regular expression on the name. */
  readonly name?: string;
}

/** Formats members as the `members` table: name, status, addresses, tags. */
export function membersTable(members: readonly MemberView[]): string {
  return formatTable(
    ["NAME", "STATUS", "ADDRESS", "TAGS"],
    members.map((m) => [
      m.local ? `${m.name} (this agent)` : m.name,
      m.status,
      m.addresses.join(",") || "-",
      Object.entries(m.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(",") || "-",
    ]),
  );
}

/** `grapevine members`: the members the agent knows, as a table or JSON. */
export async function membersCommand(options: MembersOptions, io: Io): Promise<number> {
  const client = clientFor(options, io);
  const params = new URLSearchParams();
  if (options.status) params.set("status", options.status);
  if (options.name !== undefined) params.set("name", options.name);
  for (const t of options.tag ?? []) {
    if (!/^[^=]+=/.test(t))
      throw new UsageError(`--tag: expected KEY=REGEX, got ${JSON.stringify(t)}`);
    params.append("tag", t);
  }
  const query = params.size > 0 ? `?${params}` : "";
  const { body } = await client.request("GET", `/v1/members${query}`);
  const members = (body as { members: MemberView[] }).members;
  if (options.json) io.stdout.write(`${JSON.stringify(members, null, 2)}\n`);
  else io.stdout.write(`${membersTable(members)}\n`);
  return 0;
}
