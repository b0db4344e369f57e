import { randomBytes } from "node:crypto";
import {
  type Cluster,
  type KeyInfo,
  Keyring,
  KeyringError,
  type UserMessageEvent,
} from "@grapevine/cluster";
import type { EncryptionSetting } from "./config.js";
import type { AgentLogger } from "./logger.js";

/** A cluster-wide keyring operation. `list` only reads. */
export type KeyOpName = "install" | "use" | "remove" | "list";

/** Names of the agent's own application messages: never shown in `/v1/events`. */
export const KEY_REQUEST = "grapevine.keys.request";
/** See {@link KEY_REQUEST}. */
export const KEY_RESPONSE = "grapevine.keys.response";

/** True for the application messages the agent uses for key operations. */
export function isKeyMessage(name: string): boolean {
  return name === KEY_REQUEST || name === KEY_RESPONSE;
}

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
 * Requests older (or newer) than this are ignored: a captured request replayed later does
 * nothing. Request ids are remembered for twice as long, so a replay within the window does
 * nothing either.
 */
export const MAX_REQUEST_AGE_MS = 10 * 60_000;
const SEEN_TTL_MS = 2 * MAX_REQUEST_AGE_MS;
const SEEN_LIMIT = 10_000;
/** How often the requester sends its request again while answers are missing, ms. */
const RETRY_MS = 1000;

interface Request {
  readonly v: 1;
  readonly id: string;
  readonly from: string;
  readonly op: KeyOpName;
  readonly key?: string;
  readonly time: number;
  readonly attempt: number;
}

interface Answer {
  readonly ok: boolean;
  readonly error?: string;
  readonly keys?: readonly KeyInfo[];
}

interface Response extends Answer {
  readonly v: 1;
  readonly id: string;
  readonly to: string;
  readonly node: string;
  readonly seq: number;
}

/** A request this member has seen (and answered), by id. */
interface Seen {
  readonly time: number;
  readonly answer: Answer;
  readonly attempts: Set<number>;
  seq: number;
}

/** A request this agent sent and is collecting answers for. */
interface Pending {
  readonly answers: Map<string, Answer>;
  readonly expected: ReadonlySet<string>;
  readonly check: () => void;
}

const OPS: readonly KeyOpName[] = ["install", "use", "remove", "list"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function parse(payload: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(decoder.decode(payload));
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= 256;
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function asRequest(o: Record<string, unknown> | undefined): Request | undefined {
  if (o === undefined) return undefined;
  if (
    o.v !== 1 ||
    !isName(o.id) ||
    !isName(o.from) ||
    !OPS.includes(o.op as KeyOpName) ||
    (o.key !== undefined && typeof o.key !== "string") ||
    !isCount(o.time) ||
    !isCount(o.attempt)
  ) {
    return undefined;
  }
  return o as unknown as Request;
}

function asResponse(o: Record<string, unknown> | undefined): Response | undefined {
  if (o === undefined) return undefined;
  if (
    o.v !== 1 ||
    !isName(o.id) ||
    !isName(o.to) ||
    !isName(o.node) ||
    !isCount(o.seq) ||
    typeof o.ok !== "boolean" ||
    (o.error !== undefined && typeof o.error !== "string")
  ) {
    return undefined;
  }
  if (o.keys !== undefined) {
    if (
      !Array.isArray(o.keys) ||
      !o.keys.every(
        (k: unknown) =>
          typeof k === "object" &&
          k !== null &&
          typeof (k as KeyInfo).fingerprint === "string" &&
          typeof (k as KeyInfo).primary === "boolean",
      )
    ) {
      return undefined;
    }
  }
  return o as unknown as Response;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Cluster-wide keyring operations, the way Serf does them: the requesting agent applies the
 * operation to its own keyring and broadcasts it as an application message with a random id;
 * every member applies it to its keyring, writes its keyring file and broadcasts an answer
 * (success or error) carrying the id. The requester collects answers until every member that
 * was alive or suspect when it asked has answered, or the timeout.
 *
 * Delivery is made reliable here rather than in the cluster, whose broadcasts are sent by their
 * origin only, a bounded number of times: every member relays each request and answer once
 * (infection-style), and the requester re-sends its request every second while answers are
 * missing (members answer again, without applying twice).
 *
 * Key material only travels sealed: an agent refuses to send it (and members refuse to apply or
 * relay it) unless its encryption mode is `required`, where every packet it accepts was sealed
 * with an installed key. Requests older than {@link MAX_REQUEST_AGE_MS}, or already seen, are
 * ignored, so a replayed request does nothing.
 */
export class KeyOps {
  private readonly seen = new Map<string, Seen>();
  private readonly relayedAnswers = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly host: KeyOpsHost) {
    this.unsubscribe = host.cluster.on("user-message", (e: UserMessageEvent) => {
      try {
        this.onMessage(e);
      } catch (err) {
        host.logger.warn({ err: errorText(err) }, "could not handle a key operation message");
      }
    });
  }

  /** Stops listening; operations still waiting report what they have. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const p of this.pending.values()) p.check();
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
    if (cluster.status !== "running") {
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
    const self = cluster.name;
    const id = randomBytes(12).toString("hex");
    const time = Date.now();
    const expected = new Set(
      cluster
        .members()
        .filter((m) => m.status === "alive" || m.status === "suspect" || m.local)
        .map((m) => m.name),
    );
    const own = this.apply(op, key, self);
    if (!own.applied) {
      throw new KeyOpError(409, `${own.answer.error ?? "refused"} (on this agent)`);
    }
    this.remember(id, { time, answer: own.answer, attempts: new Set([0]), seq: 0 });
    const answers = new Map<string, Answer>([[self, own.answer]]);

    await new Promise<void>((resolve) => {
      let attempt = 0;
      const send = () => {
        const request: Request = {
          v: 1,
          id,
          from: self,
          op,
          time,
          attempt,
          ...(key ? { key } : {}),
        };
        this.send(KEY_REQUEST, request);
      };
      const finish = () => {
        clearTimeout(deadline);
        clearInterval(retry);
        this.pending.delete(id);
        resolve();
      };
      const check = () => {
        if (this.closed || [...expected].every((n) => answers.has(n))) finish();
      };
      const deadline = setTimeout(finish, timeoutMs);
      const retry = setInterval(() => {
        attempt += 1;
        send();
      }, RETRY_MS);
      this.pending.set(id, { answers, expected, check });
      check();
      if (this.pending.has(id)) send();
    });
    return this.report(op, expected, answers);
  }

  private report(
    op: KeyOpName,
    expected: ReadonlySet<string>,
    answers: ReadonlyMap<string, Answer>,
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
    const base = { op, members: names.length, acked, failed, missing };
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

  private onMessage(e: UserMessageEvent): void {
    if (this.closed) return;
    if (e.name === KEY_REQUEST) this.onRequest(asRequest(parse(e.payload)));
    else if (e.name === KEY_RESPONSE) this.onResponse(asResponse(parse(e.payload)));
  }

  private onRequest(req: Request | undefined): void {
    if (req === undefined) return;
    const self = this.host.cluster.name;
    if (req.from === self) return;
    const now = Date.now();
    let seen = this.seen.get(req.id);
    if (Math.abs(now - req.time) > MAX_REQUEST_AGE_MS) {
      if (seen === undefined) {
        // Remembered, so that a flood of copies costs one warning.
        this.remember(req.id, { time: now, answer: { ok: false }, attempts: new Set(), seq: 0 });
        this.host.logger.warn(
          { id: req.id, from: req.from, op: req.op },
          "key operation request too old or from the future; ignored (replayed, or clocks apart)",
        );
      }
      return;
    }
    if (seen === undefined) {
      seen = {
        time: now,
        answer: this.apply(req.op, req.key, req.from).answer,
        attempts: new Set(),
        seq: 0,
      };
      this.remember(req.id, seen);
    }
    if (seen.attempts.has(req.attempt)) return;
    seen.attempts.add(req.attempt);
    // Key material is passed on only sealed: by a member that sends nothing in plaintext.
    if (
      req.op === "list" ||
      (this.host.keyring !== undefined && this.host.encryption === "required")
    ) {
      const { id, from, op, key, time, attempt } = req;
      this.send(KEY_REQUEST, { v: 1, id, from, op, time, attempt, ...(key ? { key } : {}) });
    }
    seen.seq += 1;
    const response: Response = {
      v: 1,
      id: req.id,
      to: req.from,
      node: self,
      seq: seen.seq,
      ...seen.answer,
    };
    this.relayedAnswers.set(`${req.id}/${self}/${seen.seq}`, now);
    this.send(KEY_RESPONSE, response);
  }

  private onResponse(res: Response | undefined): void {
    if (res === undefined) return;
    const tag = `${res.id}/${res.node}/${res.seq}`;
    if (this.relayedAnswers.has(tag)) return;
    this.relayedAnswers.set(tag, Date.now());
    this.prune();
    if (res.to === this.host.cluster.name) {
      const pending = this.pending.get(res.id);
      if (pending === undefined || pending.answers.has(res.node)) return;
      pending.answers.set(res.node, {
        ok: res.ok,
        ...(res.error !== undefined ? { error: res.error } : {}),
        ...(res.keys !== undefined ? { keys: res.keys } : {}),
      });
      pending.check();
      return;
    }
    // Relay answers to requests this member took part in, so they reach the requester.
    if (this.seen.has(res.id)) {
      const { id, to, node, seq, ok, error, keys } = res;
      this.send(KEY_RESPONSE, {
        v: 1,
        id,
        to,
        node,
        seq,
        ok,
        ...(error !== undefined ? { error } : {}),
        ...(keys !== undefined ? { keys } : {}),
      });
    }
  }

  private remember(id: string, seen: Seen): void {
    this.seen.set(id, seen);
    this.prune();
  }

  private prune(): void {
    const oldest = Date.now() - SEEN_TTL_MS;
    for (const map of [this.seen, this.relayedAnswers] as Map<string, unknown>[]) {
      for (const [k, v] of map) {
        const time = typeof v === "number" ? v : (v as Seen).time;
        if (time >= oldest && map.size <= SEEN_LIMIT) break;
        map.delete(k);
      }
    }
  }

  private send(name: string, message: Request | Response): void {
    try {
      this.host.cluster.broadcast(name, encoder.encode(JSON.stringify(message)));
    } catch (err) {
      this.host.logger.debug(
        { err: errorText(err) },
        "could not broadcast a key operation message",
      );
    }
  }
}
