import type { Query, QueryResponse, QueryTagFilter } from "@grapevine/codec";
import { encodeUtf8 } from "@grapevine/codec";
import { isLive } from "@grapevine/protocol";
import { type Swim, TimerSet } from "@grapevine/swim";
import type { NodeCounters } from "./counters.js";
import type { Dissemination } from "./dissemination.js";
import { decodeTags } from "./events.js";
import { checkText, LimitError } from "./limits.js";
import type { NodeCoreOptions } from "./options.js";
import type { Outbox } from "./outbox.js";
import { sizeOf } from "./packet-builder.js";
import { passesQueryFilter, TagPatternError, tagPatternProblem } from "./query-filter.js";
import {
  DEFAULT_QUERY_SETTINGS,
  MAX_QUERY_TIMEOUT_MS,
  MAX_RELAY_FACTOR,
  QueryOptionError,
  type QueryRequest,
  type QuerySettings,
  type QuerySummary,
  type QueryTicket,
  queryTimeout,
} from "./query-options.js";
import { RateLimiter } from "./rate-limiter.js";
import { SeenMessages } from "./seen-messages.js";

/** The built-in query every member answers with its own name. */
export const PING_QUERY = "ping";
/** How long a query is remembered as seen, ms: longer than any query circulates. */
const SEEN_TTL_MS = 2 * MAX_QUERY_TIMEOUT_MS;
/** Queries remembered as seen, and incoming queries held open for an answer, at most. */
const SEEN_LIMIT = 16_384;

/** What {@link Queries} needs of the core it serves. */
export interface QueriesHost {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly swim: Swim;
  readonly outbox: Outbox;
  readonly dissemination: Dissemination;
  readonly counters: NodeCounters;
}

/** A query of ours, collecting acks and answers until its deadline. */
interface Pending {
  readonly ticket: QueryTicket;
  readonly requestAck: boolean;
  readonly acked: Set<string>;
  readonly responded: Set<string>;
}

/** A query received (or our own) that this member may still answer. */
interface Incoming {
  readonly query: Query;
  readonly deadlineAt: number;
  answered: boolean;
}

/**
 * Request/response queries (Serf's `query.go`), sans-IO on the core's clock. A query is gossiped
 * through the one dissemination queue like a user message; every member that receives it passes
 * it on once (deduplicated by origin, generation and id), and, when it passes the query's
 * filters, acks it (if asked) and answers it: `ping` here with the member's name, any other name
 * through a `query-request` output that the runtime answers with {@link respond}. Acks and
 * answers go straight back to the origin, and through `relayFactor` random members as well.
 *
 * Bounded against hostile or buggy peers: a query over `maxQueryBytes` or an answer over
 * `maxResponseBytes` is refused with a {@link LimitError}; each origin may send `rateBurst`
 * queries at once and `ratePerSecond` sustained (more are dropped and counted); a relay passes an
 * answer on only to an address the origin advertises.
 */
export class Queries {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly incoming = new Map<string, Incoming>();
  private readonly seen = new SeenMessages(SEEN_TTL_MS, SEEN_LIMIT);
  private readonly limiter: RateLimiter;
  private readonly generation: number;
  private readonly gossipIntervalMs: number;
  private readonly settings: QuerySettings;
  /** Queries of ours and incoming ones by deadline, to end or forget them. */
  private readonly deadlines = new TimerSet<{ id?: number; token?: string }>();

  constructor(
    private readonly host: QueriesHost,
    options: Pick<NodeCoreOptions, "generation" | "config" | "queries">,
  ) {
    this.generation = options.generation;
    this.gossipIntervalMs = options.config.gossipIntervalMs;
    this.settings = { ...DEFAULT_QUERY_SETTINGS, ...options.queries };
    this.limiter = new RateLimiter(this.settings.ratePerSecond, this.settings.rateBurst);
  }

  /**
   * Sends a query and starts collecting answers: acks and answers come out as `query-answer`
   * outputs, the end (deadline, or every expected member answered) as `query-done` with a
   * summary. Throws a {@link QueryOptionError} naming a bad option, or a {@link LimitError}
   * (field `query`) when the query encodes to more than `maxQueryBytes`.
   */
  start(request: QueryRequest, now: number): QueryTicket {
    const { host } = this;
    const query = this.build(request);
    const expected = this.expectedMembers(query);
    const ticket: QueryTicket = { id: query.id, deadlineAt: now + query.timeoutMs, expected };
    this.pending.set(query.id, {
      ticket,
      requestAck: query.requestAck,
      acked: new Set(),
      responded: new Set(),
    });
    this.deadlines.schedule(ticket.deadlineAt, { id: query.id });
    host.counters.queriesSent += 1;
    this.seen.firstSighting(this.keyOf(query), now);
    host.dissemination.enqueueQuery(this.keyOf(query), query);
    // The origin is a member too: it acks and answers its own query (as Serf does).
    this.accept(query, now);
    return ticket;
  }

  /**
   * Answers the incoming query `token` (from a `query-request` output) with `payload`. Returns
   * false when it can no longer be answered (its deadline passed, or it was answered already).
   * Throws a {@link LimitError} (field `query-response`, counted) over `maxResponseBytes`.
   */
  respond(token: string, payload: Uint8Array, now: number): boolean {
    const { counters } = this.host;
    const { settings } = this;
    if (payload.byteLength > settings.maxResponseBytes) {
      counters.queryResponsesTooLarge += 1;
      throw new LimitError("query-response", settings.maxResponseBytes, payload.byteLength);
    }
    const held = this.incoming.get(token);
    if (held === undefined || held.answered || now > held.deadlineAt) {
      counters.queryResponsesLate += 1;
      return false;
    }
    held.answered = true;
    this.reply(held.query, false, payload, now);
    return true;
  }

  /** A query gossiped to us (or relayed back to us). */
  onQuery(query: Query, now: number): void {
    const { counters } = this.host;
    const key = this.keyOf(query);
    if (!this.seen.firstSighting(key, now)) {
      counters.queryDuplicates += 1;
      return;
    }
    if (query.origin === this.host.name) return;
    if (!this.limiter.admit(query.origin, now)) {
      counters.queriesRateLimited += 1;
      return;
    }
    counters.queriesReceived += 1;
    // Infection-style: pass it on whether or not we answer it (Serf does the same).
    if (!this.settings.withholdRelay.includes(query.name)) {
      this.host.dissemination.enqueueQuery(key, query);
    }
    this.accept(query, now);
  }

  /** An ack or answer: for one of our queries, or for us to relay to its origin. */
  onResponse(response: QueryResponse, now: number): void {
    if (response.relayTo.length > 0) {
      this.relay(response, now);
      return;
    }
    const { host } = this;
    if (response.origin !== host.name || response.generation !== this.generation) return;
    this.record(response, now);
  }

  /** Ends queries and forgets incoming ones whose deadline has passed. */
  tick(now: number): void {
    for (let due = this.deadlines.popDue(now); due; due = this.deadlines.popDue(now)) {
      if (due.id !== undefined) this.finish(due.id);
      if (due.token !== undefined) this.incoming.delete(due.token);
    }
  }

  /** When {@link tick} next has something to do, ms. */
  nextWakeAt(): number {
    return this.deadlines.nextAt();
  }

  // ── inside ─────────────────────────────────────────────────────────────────────────────────

  private build(request: QueryRequest): Query {
    const { host } = this;
    checkText("query-name", request.name, 256);
    if (request.name === "") throw new QueryOptionError("name", "must not be empty");
    const timeoutMs =
      request.timeoutMs ??
      queryTimeout(this.gossipIntervalMs, this.settings.timeoutMult, host.swim.aliveCount());
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_QUERY_TIMEOUT_MS) {
      throw new QueryOptionError("timeoutMs", `must be an integer in 1..${MAX_QUERY_TIMEOUT_MS}`);
    }
    const relayFactor = request.relayFactor ?? 0;
    if (!Number.isInteger(relayFactor) || relayFactor < 0 || relayFactor > MAX_RELAY_FACTOR) {
      throw new QueryOptionError("relayFactor", `must be an integer in 0..${MAX_RELAY_FACTOR}`);
    }
    const names = request.filter?.names ?? [];
    if (names.some((n) => typeof n !== "string" || n === "")) {
      throw new QueryOptionError("filter.names", "must be non-empty strings");
    }
    const filterTags: QueryTagFilter[] = [];
    for (const [tag, pattern] of Object.entries(request.filter?.tags ?? {})) {
      if (tag === "" || typeof pattern !== "string") {
        throw new QueryOptionError("filter.tags", `${JSON.stringify(tag)} is not a valid pattern`);
      }
      const problem = tagPatternProblem(pattern);
      if (problem !== undefined) throw new TagPatternError(problem, pattern);
      filterTags.push({ tag, pattern });
    }
    const query: Query = {
      type: "query",
      id: this.nextId++,
      origin: host.name,
      generation: this.generation,
      originAddresses: host.addresses,
      name: request.name,
      payload: request.payload,
      filterNames: names,
      filterTags,
      timeoutMs,
      requestAck: request.requestAck ?? false,
      relayFactor,
    };
    const size = sizeOf(query);
    if (size > this.settings.maxQueryBytes) {
      this.nextId -= 1;
      throw new LimitError("query", this.settings.maxQueryBytes, size);
    }
    return query;
  }

  /** Members alive or suspect now that pass the query's filter, ourselves included, sorted. */
  private expectedMembers(query: Query): string[] {
    const names: string[] = [];
    for (const m of this.host.swim.members()) {
      if (m.name !== this.host.name && !isLive(m.status)) continue;
      if (passesQueryFilter(query.filterNames, query.filterTags, m.name, decodeTags(m.meta))) {
        names.push(m.name);
      }
    }
    return names.sort();
  }

  /** A query new to us: ack and answer it if it passes the filters. */
  private accept(query: Query, now: number): void {
    const { host } = this;
    const own = host.swim.member(host.name);
    const tags = own === undefined ? {} : decodeTags(own.meta);
    const refused = () => {
      host.counters.queryPatternsRefused += 1;
    };
    if (!passesQueryFilter(query.filterNames, query.filterTags, host.name, tags, refused)) {
      host.counters.queriesFiltered += 1;
      return;
    }
    const timeoutMs = Math.min(query.timeoutMs, MAX_QUERY_TIMEOUT_MS);
    const token = this.keyOf(query);
    const held: Incoming = { query, deadlineAt: now + timeoutMs, answered: false };
    if (this.incoming.size >= SEEN_LIMIT) return;
    this.incoming.set(token, held);
    this.deadlines.schedule(held.deadlineAt, { token });
    if (query.requestAck) this.reply(query, true, new Uint8Array(0), now);
    if (query.name === PING_QUERY) {
      held.answered = true;
      this.reply(query, false, encodeUtf8(host.name), now);
      return;
    }
    const { origin, name, payload } = query;
    const deadlineAt = held.deadlineAt;
    this.host.outbox.outputs.push({
      kind: "query-request",
      token,
      origin,
      name,
      payload,
      deadlineAt,
    });
  }

  /** Sends an ack or answer to the query's origin, directly and through relays. */
  private reply(query: Query, ack: boolean, payload: Uint8Array, now: number) {
    const { host } = this;
    const response: QueryResponse = {
      type: "query-response",
      id: query.id,
      origin: query.origin,
      generation: query.generation,
      from: host.name,
      ack,
      payload,
      relayTo: [],
    };
    host.counters.queryResponsesSent += 1;
    if (query.origin === host.name) {
      this.record(response, now);
      return;
    }
    const to = query.originAddresses.find((a) => host.outbox.linkFor(a) !== undefined);
    if (to === undefined) return;
    // Not piggy-backed: broadcasts sent to the origin would mostly go back where they came from.
    host.outbox.send(to, [response], false, now);
    const relayFactor = Math.min(query.relayFactor, MAX_RELAY_FACTOR);
    if (relayFactor === 0) return;
    const avoid = new Set([...query.originAddresses, ...host.addresses]);
    const relays = host.swim.gossipTargets(relayFactor + 2, now).filter((a) => !avoid.has(a));
    for (const relay of relays.slice(0, relayFactor)) {
      host.outbox.send(relay, [{ ...response, relayTo: [to] }], false, now);
    }
  }

  /** Passes a response on to its origin, at an address the origin advertises. */
  private relay(response: QueryResponse, now: number): void {
    const { host } = this;
    const origin = host.swim.member(response.origin);
    const to = response.relayTo.find((a) => origin?.addresses.includes(a));
    if (to === undefined || host.outbox.linkFor(to) === undefined) {
      host.counters.queryRelaysRefused += 1;
      return;
    }
    host.counters.queryRelays += 1;
    host.outbox.send(to, [{ ...response, relayTo: [] }], false, now);
  }

  /** An ack or answer for one of our queries. */
  private record(response: QueryResponse, now: number): void {
    const pending = this.pending.get(response.id);
    if (pending === undefined) {
      this.host.counters.queryResponsesLate += 1;
      return;
    }
    const seen = response.ack ? pending.acked : pending.responded;
    if (seen.has(response.from)) return;
    seen.add(response.from);
    this.host.counters.queryResponsesReceived += 1;
    const { id } = pending.ticket;
    const { from, ack, payload } = response;
    this.host.outbox.outputs.push({ kind: "query-answer", id, from, ack, payload, at: now });
    const done = pending.ticket.expected.every(
      (n) => pending.responded.has(n) && (!pending.requestAck || pending.acked.has(n)),
    );
    if (done) this.finish(id);
  }

  private finish(id: number): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    const { expected } = pending.ticket;
    const acked = [...pending.acked].sort();
    const responded = [...pending.responded].sort();
    const missing = expected.filter((n) => !pending.responded.has(n));
    const complete = expected.every((n) => pending.responded.has(n));
    const summary: QuerySummary = { id, expected, acked, responded, missing, complete };
    this.host.outbox.outputs.push({ kind: "query-done", summary });
  }

  private keyOf(query: Query): string {
    return `${query.origin.length}:${query.origin}/${query.generation}/${query.id}`;
  }
}
