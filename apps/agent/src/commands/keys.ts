import { parseDuration } from "../duration.js";
import { RuntimeError, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { incompleteMessage, type KeyOpName, type KeyOpReport } from "../key-ops.js";
import { formatTable } from "../table.js";
import { type ClientOptions, clientFor } from "./client-options.js";

/** Options of the `keys` commands. */
export interface KeysOptions extends ClientOptions {
  readonly json?: boolean;
  readonly timeout?: string;
  readonly force?: boolean;
}

/** Default of `--timeout`. */
export const DEFAULT_KEYS_TIMEOUT = "5s";

/** Reads a key from standard input (`keys install -`), so it never shows in the process list. */
async function readKeyFromStdin(io: Io): Promise<string> {
  if (io.stdin === undefined) throw new UsageError("no standard input to read the key from");
  let text = "";
  for await (const chunk of io.stdin) {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (text.length > 4096) throw new UsageError("standard input is too long for a key");
  }
  const key = text.trim();
  if (key === "") throw new UsageError("no key on standard input");
  return key;
}

function problems(report: KeyOpReport): string[] {
  return [
    ...report.failed.map((f) => `${f.name} failed: ${f.error}`),
    ...report.missing.map((n) => `${n} did not answer`),
    ...(report.down ?? []).map((n) => `${n} is down: not asked`),
  ];
}

/** Formats the report of `keys install|use|remove` for people: a summary and one row per member. */
export function keyOpText(report: KeyOpReport): string {
  const verb = { install: "installed", use: "made primary", remove: "removed", list: "listed" }[
    report.op
  ];
  const failed = new Map(report.failed.map((f) => [f.name, f.error]));
  const down = new Set(report.down ?? []);
  const names = [...report.acked, ...failed.keys(), ...report.missing, ...down].sort();
  const rows = names.map((name) => {
    const error = failed.get(name);
    const result = report.acked.includes(name)
      ? "ok"
      : error !== undefined
        ? `failed: ${error}`
        : down.has(name)
          ? "down: not asked (run it again once it is back)"
          : "no answer";
    return [name, result];
  });
  return [
    `key ${report.fingerprint ?? "?"} ${verb} on ${report.acked.length} of ${report.members} members`,
    "",
    formatTable(["MEMBER", "RESULT"], rows),
  ].join("\n");
}

/** Formats the report of `keys list` for people: each key, who holds it and who seals with it. */
export function keyListText(report: KeyOpReport): string {
  const answered = report.acked.length;
  const lines = [`${answered} of ${report.members} members answered`, ""];
  const keys = report.keys ?? [];
  if (keys.length === 0) {
    lines.push("no keys");
  } else {
    lines.push(
      formatTable(
        ["KEY", "HELD BY", "PRIMARY ON"],
        keys.map((k) => [
          k.fingerprint,
          `${k.members}/${answered}`,
          k.primary === answered ? `${k.primary}/${answered} (all)` : `${k.primary}/${answered}`,
        ]),
      ),
    );
  }
  const primaries = keys.filter((k) => k.primary > 0);
  if (primaries.length > 1) {
    lines.push(
      "",
      "members disagree on the primary key:",
      formatTable(
        ["MEMBER", "PRIMARY"],
        (report.nodes ?? []).map((n) => [n.name, n.primary]),
      ),
    );
  }
  const trouble = problems(report);
  if (trouble.length > 0) lines.push("", ...trouble);
  return lines.join("\n");
}

/**
 * `grapevine keys [list]` and `grapevine keys install|use|remove KEY`: runs the operation on the
 * whole cluster through the agent and prints who applied it. Exit 1 when a member failed or did
 * not answer. A KEY of `-` is read from standard input.
 */
export async function keysCommand(
  op: KeyOpName,
  keyArg: string | undefined,
  options: KeysOptions,
  io: Io,
): Promise<number> {
  const timeoutMs = parseDuration(options.timeout ?? DEFAULT_KEYS_TIMEOUT, "--timeout");
  if (timeoutMs < 1 || timeoutMs > 60_000) {
    throw new UsageError("--timeout: must be between 1ms and 60s");
  }
  const client = clientFor(options, io);
  const query = `?timeout=${timeoutMs}`;
  // `use` and `remove` first ask every member for its keys (the safety check): two rounds.
  const wait = (op === "use" || op === "remove" ? 2 : 1) * timeoutMs + 10_000;
  const [method, path, body] =
    op === "list"
      ? ["GET", `/v1/keys${query}`, undefined]
      : [
          "POST",
          `/v1/keys/${op}${query}`,
          JSON.stringify({
            key: keyArg === "-" ? await readKeyFromStdin(io) : keyArg,
            ...(options.force ? { force: true } : {}),
          }),
        ];
  // 502: not every member applied it; the answer still carries the report, member by member.
  const answer = await client.request(method, path, {
    timeoutMs: wait,
    answerStatuses: [502],
    ...(body === undefined ? {} : { body, contentType: "application/json" }),
  });
  const report =
    answer.status === 502
      ? (answer.body as { error?: { report?: KeyOpReport } } | undefined)?.error?.report
      : (answer.body as KeyOpReport);
  if (report === undefined) {
    throw new RuntimeError(`agent at ${client.base} answered ${answer.status} with no report`);
  }
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${op === "list" ? keyListText(report) : keyOpText(report)}\n`);
  if (report.failed.length + report.missing.length > 0) {
    throw new RuntimeError(incompleteMessage(report));
  }
  return 0;
}
