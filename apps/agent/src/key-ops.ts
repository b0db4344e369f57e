import { randomBytes } from "node:crypto";
import {
  type Cluster,
  type IncomingQuery,
  KEY_QUERIES,
  type KeyInfo,
  Keyring,
  KeyringError,
  type QueryAnswer,
} from "@grapevine/cluster";
import type { EncryptionSetting } from "./config.js";
import type { AgentLogger } from "./logger.js";

/** A cluster-wide keyring operation. `list` only reads. */
export type KeyOpName = "install" | "use" | "remove" | "list";

/** One member's answer that could not be applied, or did not apply. */
export interface KeyOpFailure {
  readonly name: string;
  readonly error: string;
}

/** One key of a `list` report: how many members hold it and on which it is primary. */
export interface KeyListEntry {
  readonly fingerprint: string;
  /** Members (of those that answered) holding the key. */
  readonly members: number;
  /** Members sealing with it (the key is their primary). */
  readonly primary: number;
  /** Names of those members. */
  readonly primaryOn: readonly string[];
}

/** One member's keyring in a `list` report, fingerprints only. */
export interface KeyListNode {
  readonly name: string;
  readonly primary: string;
  readonly keys: readonly string[];
}

/** What a cluster-wide key operation reports. */
export interface KeyOpReport {
  readonly op: KeyOpName;
  /** Fingerprint of the key operated on (not for `list`). */
  readonly fingerprint?: string;
  /** Members asked: alive or suspect when the request went out (this agent included). */
  readonly members: number;
  /** Members that applied the operation (or, for `list`, answered). */
  readonly acked: readonly string[];
  /** Members that answered with an error. */
  readonly failed: readonly KeyOpFailure[];
  /** Members that did not answer in time. */
  readonly missing: readonly string[];
  /**
   * Members known to be down (dead, not left) when the request went out: not asked, so they keep
   * their old keyring until the operation is run again after they are back.
   */
  readonly down: readonly string[];
  /** `list` only: every key seen, most widely held first. */
  readonly keys?: readonly KeyListEntry[];
  /** `list` only: each answering member's keyring. */
  readonly nodes?: readonly KeyListNode[];
}

/** A key operation refused before anything was sent; `status` is the HTTP status to answer. */
export class KeyOpError extends Error {
  override readonly name = "KeyOpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What {@link KeyOps} needs from the agent. */
export interface KeyOpsHost {
  readonly cluster: Cluster;
  /** The live keyring; undefined when the agent runs without encryption. */
  readonly keyring: Keyring | undefined;
  readonly encryption: EncryptionSetting;
  /**
   * Writes the keyring file, if the agent has one (returns false when it has none). Throws with a
   * message naming the file.
   */
  persist(): boolean;
  readonly logger: AgentLogger;
}

/** Options of {@link KeyOps.run}. */
export interface KeyOpOptions {
  /** How long to wait for answers, ms. */
  readonly timeoutMs: number;
  /** Skip the safety check before `use` and `remove`. */
  readonly force?: boolean;
}

/**
 * Requests older (or newer) than this, by the requester's wall clock, are refused: a captured
 * request replayed later (after the cluster forgot its id) does nothing.
 */
export const MAX_REQUEST_AGE_MS = 10 * 60_000;
/** Each answer also travels through this many random members (a lost datagram loses nothing). */
const RELAY_FACTOR = 2;

/** What a request carries: a unique id, the key (not for `list`) and when it was made. */
interface Request {
  readonly v: 1;
  readonly id: string;
  readonly key?: string;
  readonly time: number;
}

/** One member's answer. */
interface Answer {
  readonly ok: boolean;
  readonly error?: string;
  readonly keys?: readonly KeyInfo[];
}

const OPS: readonly KeyOpName[] = ["install", "use", "remove", "list"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function parse(payload: Uint8Array | undefined): Record<string, unknown> | undefined {
  if (payload === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(decoder.decode(payload));
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function asRequest(o: Record<string, unknown> | undefined): Request | undefined {
  if (o === undefined) return undefined;
  const valid =
    o.v === 1 &&
    typeof o.id === "string" &&
    o.id.length > 0 &&
    o.id.length <= 64 &&
    (o.key === undefined || typeof o.key === "string") &&
    typeof o.time === "number" &&
    Number.isSafeInteger(o.time);
  return valid ? (o as unknown as Request) : undefined;
}

function asAnswer(o: Record<string, unknown> | undefined): Answer | undefined {
  if (o === undefined || typeof o.ok !== "boolean") return undefined;
  if (o.error !== undefined && typeof o.error !== "string") return undefined;
  if (o.keys !== undefined) {
    const keys = o.keys;
    const valid =
      Array.isArray(keys) &&
      keys.every(
        (k: unknown) =>
          typeof k === "object" &&
          k !== null &&
          typeof (k as KeyInfo).fingerprint === "string" &&
          typeof (k as KeyInfo).primary === "boolean",
      );
    if (!valid) return undefined;
  }
  return o as unknown as Answer;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether every member asked applied the operation (or, for `list`, answered). */
export function keyOpComplete(report: KeyOpReport): boolean {
  return report.failed.length === 0 && report.missing.length === 0;
}

/** Names the members that failed or did not answer a key operation. */
export function incompleteMessage(report: KeyOpReport): string {
  const parts = [
    ...report.failed.map((f) => `${f.name} failed (${f.error})`),
    ...report.missing.map((name) => `${name} did not answer`),
  ];
  const verb = report.op === "list" ? "answered" : "applied it";
  return `not every member ${verb}: ${parts.join("; ")} (${report.acked.length} of ${report.members} ${report.op === "list" ? "answered" : "did"})`;
}

/**
 * Cluster-wide keyring operations, the way Serf does them, on the cluster's queries: the
 * requesting agent applies the operation to its own keyring, then sends an internal query
 * (`_grapevine-keys-install`, `-use`, `-remove`, `-list`) carrying the key; every member applies
 * it to its keyring, writes its keyring file and answers (success or error). The query's summary
 * says who answered, and who of the members alive or suspect when it was sent did not. The query
 * ends as soon as every expected member answered, or at the timeout.
 *
 * Delivery is the cluster's: the query is gossiped (each member passes it on once) and every
 * answer goes straight back and through two random members as well.
 *
 * Key material only travels sealed: an agent refuses to send it (and members refuse to apply it,
 * and do not pass it on) unless its encryption mode is `required`, where every packet it accepts
 * was sealed with an installed key. Requests older than {@link MAX_REQUEST_AGE_MS} are refused,
 * and the cluster delivers each query once, so a replayed request does nothing.
 */
export class KeyOps {
  /** Answers of this agent to its own requests, by request id (applied before sending). */
  private readonly own = new Map<string, Answer>();
  private readonly unregister: Array<() => void>;
  private closed = false;

  constructor(private readonly host: KeyOpsHost) {
    this.unregister = OPS.map((op) =>
      host.cluster.onQuery(KEY_QUERIES[op], (q) => this.answer(op, q), { internal: true }),
    );
  }

  /** Stops answering; operations still waiting report what they have when they end. */
  close(): void {
    this.closed = true;
    for (const unregister of this.unregister) unregister();
  }

  /**
   * Runs a key operation on the whole cluster and reports who applied it. Throws
   * {@link KeyOpError} when it is refused before anything is sent: no keyring, encryption not
   * `required`, a bad key, the local keyring refusing (`use` of a key it lacks, `remove` of its
   * primary), or the safety check failing (`use` of a key some member lacks, `remove` of a key
   * some member still seals with; skipped with `force`).
   */
  async run(op: KeyOpName, key: string | undefined, options: KeyOpOptions): Promise<KeyOpReport> {
    const { cluster, keyring } = this.host;
    if (cluster.status !== "running" || this.closed) {
      throw new KeyOpError(503, `agent is ${cluster.status}: no key operations`);
    }
    if (keyring === undefined) {
      throw new KeyOpError(
        409,
        "this agent has no keyring: the cluster is not encrypted, and key operations would send key material in plaintext; start every agent with --encrypt KEY or --keyring FILE first",
      );
    }
    if (op === "list") return this.query("list", undefined, options.timeoutMs);
    if (this.host.encryption !== "required") {
      throw new KeyOpError(
        409,
        `this agent's encryption mode is ${this.host.encryption}: key material could travel in plaintext or be forged by a keyless sender; move every member to --encryption required first`,
      );
    }
    if (key === undefined || key.trim() === "") {
      throw new KeyOpError(400, `${op} needs a key (base64)`);
    }
    let fingerprint: string;
    try {
      fingerprint = Keyring.fingerprint(key.trim());
    } catch (err) {
      throw new KeyOpError(
        400,
        err instanceof KeyringError ? err.message : "the key is not a valid key",
      );
    }
    if (!options.force && (op === "use" || op === "remove")) {
      await this.safetyCheck(op, fingerprint, options.timeoutMs);
    }
    const report = await this.query(op, key.trim(), options.timeoutMs);
    return { ...report, fingerprint };
  }

  /** Before `use`: every member holds the key. Before `remove`: no member seals with it. */
  private async safetyCheck(op: "use" | "remove", fingerprint: string, timeoutMs: number) {
    const list = await this.query("list", undefined, timeoutMs);
    const problems: string[] = [];
    const nodes = new Map((list.nodes ?? []).map((n) => [n.name, n]));
    for (const name of list.acked) {
      const node = nodes.get(name);
      if (op === "use" && !node?.keys.includes(fingerprint)) problems.push(`${name} lacks it`);
      if (op === "remove" && node?.primary === fingerprint) {
        problems.push(`${name} still seals with it`);
      }
    }
    for (const f of list.failed) problems.push(`${f.name} answered: ${f.error}`);
    for (const name of list.missing) problems.push(`${name} did not answer`);
    if (problems.length === 0) return;
    const advice =
      op === "use"
        ? "install it until every member acknowledges, then use it"
        : "use another key until every member acknowledges, then remove this one";
    throw new KeyOpError(
      409,
      `refusing to ${op} key ${fingerprint}: ${problems.join("; ")}. ${advice} (or pass --force)`,
    );
  }

  private async query(op: KeyOpName, key: string | undefined, timeoutMs: number) {
    const { cluster } = this.host;
    const own = this.apply(op, key, cluster.name);
    if (!own.applied) {
      throw new KeyOpError(409, `${own.answer.error ?? "refused"} (on this agent)`);
    }
    const down = cluster
      .members()
      .filter((m) => m.status === "dead")
      .map((m) => m.name)
      .sort();
    const id = randomBytes(12).toString("hex");
    const request: Request = { v: 1, id, time: Date.now(), ...(key ? { key } : {}) };
    this.own.set(id, own.answer);
    const answers = new Map<string, Answer>([[cluster.name, own.answer]]);
    try {
      const q = cluster.query(KEY_QUERIES[op], encoder.encode(JSON.stringify(request)), {
        timeoutMs,
        relayFactor: RELAY_FACTOR,
      });
      for await (const a of q) this.collect(a, answers);
      const summary = await q.summary;
      return this.report(op, new Set(summary.expected), answers, down);
    } finally {
      this.own.delete(id);
    }
  }

  private collect(a: QueryAnswer, answers: Map<string, Answer>): void {
    if (a.kind !== "response") return;
    const answer = asAnswer(parse(a.payload));
    answers.set(a.from, answer ?? { ok: false, error: "unreadable answer" });
  }

  /** A member's side: the answer to a key query (ours: what was applied before sending). */
  private answer(op: KeyOpName, q: IncomingQuery): string | undefined {
    if (this.closed) return undefined;
    const request = asRequest(parse(q.payload));
    if (request === undefined) return JSON.stringify({ ok: false, error: "malformed request" });
    if (q.origin === this.host.cluster.name) {
      const own = this.own.get(request.id);
      return own === undefined ? undefined : JSON.stringify(own);
    }
    if (Math.abs(Date.now() - request.time) > MAX_REQUEST_AGE_MS) {
      this.host.logger.warn(
        { from: q.origin, op },
        "key operation request too old or from the future; ignored (replayed, or clocks apart)",
      );
      return JSON.stringify({ ok: false, error: "request too old (or clocks apart)" });
    }
    return JSON.stringify(this.apply(op, request.key, q.origin).answer);
  }

  private report(
    op: KeyOpName,
    expected: ReadonlySet<string>,
    answers: ReadonlyMap<string, Answer>,
    down: readonly string[],
  ): KeyOpReport {
    const names = [...new Set([...expected, ...answers.keys()])].sort();
    const acked: string[] = [];
    const failed: KeyOpFailure[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const a = answers.get(name);
      if (a === undefined) missing.push(name);
      else if (a.ok) acked.push(name);
      else failed.push({ name, error: a.error ?? "failed" });
    }
    const base = { op, members: names.length, acked, failed, missing, down };
    if (op !== "list") return base;
    const nodes: KeyListNode[] = [];
    const byKey = new Map<string, { members: number; primaryOn: string[] }>();
    for (const name of acked) {
      const keys = answers.get(name)?.keys ?? [];
      const primary = keys.find((k) => k.primary)?.fingerprint ?? "";
      nodes.push({ name, primary, keys: keys.map((k) => k.fingerprint) });
      for (const k of keys) {
        const entry = byKey.get(k.fingerprint) ?? { members: 0, primaryOn: [] };
        entry.members += 1;
        if (k.primary) entry.primaryOn.push(name);
        byKey.set(k.fingerprint, entry);
      }
    }
    const keys = [...byKey.entries()]
      .map(([fingerprint, e]) => ({
        fingerprint,
        members: e.members,
        primary: e.primaryOn.length,
        primaryOn: e.primaryOn,
      }))
      .sort(
        (a, b) =>
          b.primary - a.primary ||
          b.members - a.members ||
          a.fingerprint.localeCompare(b.fingerprint),
      );
    return { ...base, keys, nodes };
  }

  /** Applies one operation to this member's keyring and writes the keyring file. */
  private apply(
    op: KeyOpName,
    key: string | undefined,
    requestedBy: string,
  ): { answer: Answer; applied: boolean } {
    const { keyring, logger } = this.host;
    const refuse = (error: string) => ({ answer: { ok: false, error }, applied: false });
    if (keyring === undefined) {
      return refuse("this member has no keyring (it runs without encryption)");
    }
    if (op === "list") return { answer: { ok: true, keys: keyring.list() }, applied: true };
    if (this.host.encryption !== "required") {
      return refuse(
        `encryption is ${this.host.encryption} on this member; key operations need --encryption required on every member`,
      );
    }
    if (key === undefined) return refuse("no key in the request");
    let changed: boolean;
    let fingerprint: string;
    try {
      fingerprint = Keyring.fingerprint(key);
      if (op === "install") {
        changed = !keyring.has(key);
        keyring.install(key);
      } else if (op === "use") {
        changed = keyring.primary !== fingerprint;
        keyring.use(key);
      } else {
        changed = keyring.remove(key);
      }
    } catch (err) {
      return refuse(err instanceof KeyringError ? err.message : "the key is not a valid key");
    }
    const what = { install: "key installed", use: "key now primary", remove: "key removed" }[op];
    if (changed) logger.info({ fingerprint, requestedBy }, what);
    try {
      if (!this.host.persist() && changed) {
        logger.warn(
          { fingerprint },
          "keyring changed in memory only (no --keyring file): a restart starts from the old keys",
        );
      }
    } catch (err) {
      logger.error({ fingerprint, err: errorText(err) }, "keyring changed but not persisted");
      return { answer: { ok: false, error: `applied, but ${errorText(err)}` }, applied: true };
    }
    return { answer: { ok: true }, applied: true };
  }
}
