import { parseDuration } from "../duration.js";
import { RuntimeError, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import type { KeyOpName, KeyOpReport } from "../key-ops.js";
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
  ];
}

/** Formats the report of `keys install|use|remove` for people: a summary and one row per member. */
export function keyOpText(report: KeyOpReport): string {
  const verb = { install: "installed", use: "made primary", remove: "removed", list: "listed" }[
    report.op
  ];
  const failed = new Map(report.failed.map((f) => [f.name, f.error]));
  const rows = [...report.acked, ...failed.keys(), ...report.missing].sort().map((name) => {
    const error = failed.get(name);
    const result = report.acked.includes(name)
      ? "ok"
      : error !== undefined
        ? `failed: ${error}`
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
  let report: KeyOpReport;
  if (op === "list") {
    report = (await client.request("GET", `/v1/keys${query}`, { timeoutMs: wait }))
      .body as KeyOpReport;
  } else {
    const key = keyArg === "-" ? await readKeyFromStdin(io) : keyArg;
    const body = JSON.stringify({ key, ...(options.force ? { force: true } : {}) });
    report = (
      await client.request("POST", `/v1/keys/${op}${query}`, {
        body,
        contentType: "application/json",
        timeoutMs: wait,
      })
    ).body as KeyOpReport;
  }
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${op === "list" ? keyListText(report) : keyOpText(report)}\n`);
  const trouble = report.failed.length + report.missing.length;
  if (trouble > 0) {
    throw new RuntimeError(
      `${report.failed.length} member${report.failed.length === 1 ? "" : "s"} failed and ${report.missing.length} did not answer (of ${report.members})`,
    );
  }
  return 0;
}
