/**
 * Queries (Serf's request/response queries): the request a caller makes, the defaults and the
 * timeout formula, and the typed error for a request that cannot be sent.
 */

/** Which members answer a query: all of them when empty. */
export interface QueryFilter {
  /** Only members with one of these names answer. */
  readonly names?: readonly string[] | undefined;
  /**
   * Only members whose tags match every entry answer: tag name → regular expression (ECMAScript
   * syntax) that the whole tag value must match (`{ role: "web|db" }`).
   */
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** What a caller asks of {@link NodeCore.query}. */
export interface QueryRequest {
  /** The query's name: which handler answers it (`ping` is built in). */
  readonly name: string;
  /** The application's payload (with the rest of the query at most `maxQueryBytes`). */
  readonly payload: Uint8Array;
  /** Which members answer (default: every member). */
  readonly filter?: QueryFilter | undefined;
  /** How long to wait for answers, ms (default {@link queryTimeout}). */
  readonly timeoutMs?: number | undefined;
  /** Ask every member that passes the filter to ack at once (default false). */
  readonly requestAck?: boolean | undefined;
  /**
   * Each answer is also sent through this many random members, which relay it to us, so that
   * one lost datagram does not lose it (default 0, at most {@link MAX_RELAY_FACTOR}).
   */
  readonly relayFactor?: number | undefined;
}

/** A query sent: its id, when it ends and who was expected to answer. */
export interface QueryTicket {
  /** The query's id (with our name and generation it names the query cluster-wide). */
  readonly id: number;
  /** When the query ends on our clock, ms. */
  readonly deadlineAt: number;
  /** Members alive or suspect when it was sent that pass its filter (ourselves included). */
  readonly expected: readonly string[];
}

/** Who answered a query, once it has ended (`query-done` output). */
export interface QuerySummary {
  readonly id: number;
  /** Members expected (see {@link QueryTicket.expected}). */
  readonly expected: readonly string[];
  /** Members that acked (when acks were requested). */
  readonly acked: readonly string[];
  /** Members that answered. */
  readonly responded: readonly string[];
  /** Expected members that did not answer (some of them may have acked). */
  readonly missing: readonly string[];
  /** True when every expected member answered before the deadline (the query ended early). */
  readonly complete: boolean;
}

/** Settings of queries on one member. */
export interface QuerySettings {
  /** Serf's QueryTimeoutMult: the default timeout is gossipInterval × this × ⌈log10(N+1)⌉. */
  readonly timeoutMult: number;
  /** Largest encoded query (name, payload, filters, addresses), bytes (Serf: 1,024). */
  readonly maxQueryBytes: number;
  /** Largest answer payload, bytes (Serf: 1,024). */
  readonly maxResponseBytes: number;
  /** Queries accepted from one origin per second, sustained. */
  readonly ratePerSecond: number;
  /** Queries accepted from one origin in a burst. */
  readonly rateBurst: number;
  /**
   * Names of queries this member answers but does not pass on (a member that sends plaintext
   * withholds queries carrying key material, so they travel sealed only).
   */
  readonly withholdRelay: readonly string[];
}

/** Defaults of {@link QuerySettings}. */
export const DEFAULT_QUERY_SETTINGS: QuerySettings = Object.freeze({
  timeoutMult: 16,
  maxQueryBytes: 1024,
  maxResponseBytes: 1024,
  ratePerSecond: 10,
  rateBurst: 20,
  withholdRelay: [],
});

/** Largest relay factor accepted: more relays add load without adding much reliability. */
export const MAX_RELAY_FACTOR = 5;
/** Longest query timeout accepted (longer ones, sent or received, are cut to this), ms. */
export const MAX_QUERY_TIMEOUT_MS = 10 * 60_000;

/**
 * Serf's default query timeout: `gossipIntervalMs × timeoutMult × ⌈log10(members + 1)⌉` ms,
 * long enough for the query to reach every member by gossip and for the answers to come back.
 */
export function queryTimeout(
  gossipIntervalMs: number,
  timeoutMult: number,
  members: number,
): number {
  return gossipIntervalMs * timeoutMult * Math.max(1, Math.ceil(Math.log10(members + 1)));
}

/** The option of a query request at fault. */
export type QueryOptionField =
  | "name"
  | "timeoutMs"
  | "relayFactor"
  | "filter.names"
  | "filter.tags";

/**
 * A query request that cannot be sent (other than by size: see `LimitError`): names the option
 * at fault. `code` is `bad-query` for every one, so an API can map it to one answer (HTTP 400).
 */
export class QueryOptionError extends RangeError {
  override readonly name = "QueryOptionError";
  readonly code = "bad-query";

  constructor(
    readonly field: QueryOptionField,
    detail: string,
  ) {
    super(`query ${field} ${detail}`);
  }
}
