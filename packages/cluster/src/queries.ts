import type { NodeOutput, QueryFilter, QuerySummary } from "@grapevine/node";

/** Options of {@link Cluster.query}. */
export interface QueryOptions {
  /** Which members answer: names, and tag name → regular expression the whole value matches. */
  readonly filter?: QueryFilter;
  /** How long to wait for answers, ms (default: gossip interval × 16 × ⌈log10(N+1)⌉). */
  readonly timeoutMs?: number;
  /** Ask every member that passes the filter to ack at once (default false). */
  readonly requestAck?: boolean;
  /** Also send each answer through this many random members (0–5, default 0). */
  readonly relayFactor?: number;
}

/** One ack or answer to a query, as it arrives. */
export interface QueryAnswer {
  /** `ack`: the member received the query and passes its filter; `response`: its answer. */
  readonly kind: "ack" | "response";
  /** The member's name. */
  readonly from: string;
  /** The answer (responses only). */
  readonly payload?: Uint8Array;
}

/**
 * A query in progress: iterate it (`for await`) for acks and answers as they arrive (the loop
 * ends with the query); `summary` resolves when it ends with who answered, who acked and who did
 * not, out of the members alive when it was sent that pass its filter (`expected`).
 */
export interface QueryResult extends AsyncIterable<QueryAnswer> {
  /** The query's id. */
  readonly id: number;
  /** Members expected to answer: alive or suspect when it was sent, passing its filter. */
  readonly expected: readonly string[];
  /** When the query ends at the latest, on the cluster's clock (ms). */
  readonly deadlineAt: number;
  /** Resolves when the query ends (deadline, or every expected member answered). */
  readonly summary: Promise<QuerySummary>;
}

/** What a query handler is given. */
export interface IncomingQuery {
  /** The query's name. */
  readonly name: string;
  /** The member that sent it. */
  readonly origin: string;
  /** Its payload. */
  readonly payload: Uint8Array;
  /** After this time (cluster clock, ms) an answer is no longer sent. */
  readonly deadlineAt: number;
}

/**
 * Answers a query: returns (or resolves to) the answer, as bytes or UTF-8 text, or `undefined`
 * to send none. An exception or rejection sends nothing and is counted (`queryHandlerErrors`).
 */
export type QueryHandler = (
  query: IncomingQuery,
) => Uint8Array | string | undefined | Promise<Uint8Array | string | undefined>;

/** Query names reserved for Grapevine's own operations (key rotation, ...). */
export const INTERNAL_QUERY_PREFIX = "_grapevine-";

/**
 * The internal queries of cluster-wide keyring operations (Serf's `keys` command). They carry key
 * material, so a member whose encryption mode is not `required` does not pass them on.
 */
export const KEY_QUERIES = Object.freeze({
  install: "_grapevine-keys-install",
  use: "_grapevine-keys-use",
  remove: "_grapevine-keys-remove",
  list: "_grapevine-keys-list",
});

/** What {@link QueryDesk} needs of the cluster. */
export interface QueryDeskHost {
  /** Hands the answer `payload` to the core for the query `token` (as a step). */
  respond(token: string, payload: Uint8Array): void;
  /** A handler threw or rejected, or its answer was refused. */
  handlerFailed(err: unknown): void;
}

const encoder = new TextEncoder();

/**
 * The shell's side of queries: handlers by name, run outside the core's step (they may be async
 * and may call back into the cluster), their answers fed back to the core as a step; and the
 * queries this member sent, turned into async iterables and summary promises.
 */
export class QueryDesk {
  private readonly handlers = new Map<string, QueryHandler>();
  private readonly open = new Map<number, AnswerStream>();

  constructor(private readonly host: QueryDeskHost) {}

  /** Registers the handler of `name` (replacing any). Returns an unregister function. */
  handle(name: string, handler: QueryHandler): () => void {
    this.handlers.set(name, handler);
    return () => {
      if (this.handlers.get(name) === handler) this.handlers.delete(name);
    };
  }

  /** A query this member sent: the object the caller holds. */
  opened(id: number, expected: readonly string[], deadlineAt: number): QueryResult {
    const stream = new AnswerStream(id, expected, deadlineAt);
    this.open.set(id, stream);
    return stream;
  }

  /** A query output of the core (after the step that produced it). */
  output(out: NodeOutput): void {
    switch (out.kind) {
      case "query-request":
        this.run(out);
        return;
      case "query-answer": {
        const { from, ack, payload } = out;
        this.open
          .get(out.id)
          ?.push(ack ? { kind: "ack", from } : { kind: "response", from, payload });
        return;
      }
      case "query-done":
        this.open.get(out.summary.id)?.end(out.summary);
        this.open.delete(out.summary.id);
        return;
      default:
        return;
    }
  }

  /** Ends every open query (the cluster stopped): each resolves with what it has. */
  close(): void {
    for (const stream of this.open.values()) stream.abandon();
    this.open.clear();
  }

  private run(request: Extract<NodeOutput, { kind: "query-request" }>): void {
    const handler = this.handlers.get(request.name);
    if (handler === undefined) return;
    const { name, origin, payload, deadlineAt } = request;
    // A microtask: the handler runs after the step, never inside it.
    void Promise.resolve()
      .then(() => handler({ name, origin, payload, deadlineAt }))
      .then((answer) => {
        if (answer === undefined) return;
        const bytes = typeof answer === "string" ? encoder.encode(answer) : answer;
        this.host.respond(request.token, bytes);
      })
      .catch((err: unknown) => this.host.handlerFailed(err));
  }
}

/** The acks and answers of one query, buffered for its async iterators, and its summary. */
class AnswerStream implements QueryResult {
  readonly summary: Promise<QuerySummary>;
  private readonly answers: QueryAnswer[] = [];
  private readonly waiters = new Set<() => void>();
  private finished = false;
  private resolve!: (summary: QuerySummary) => void;

  constructor(
    readonly id: number,
    readonly expected: readonly string[],
    readonly deadlineAt: number,
  ) {
    this.summary = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  push(answer: QueryAnswer): void {
    if (this.finished) return;
    this.answers.push(answer);
    this.wake();
  }

  end(summary: QuerySummary): void {
    this.finished = true;
    this.resolve(summary);
    this.wake();
  }

  /** The cluster stopped before the query ended: a summary from what arrived. */
  abandon(): void {
    const responded = [
      ...new Set(this.answers.filter((a) => a.kind === "response").map((a) => a.from)),
    ].sort();
    const acked = [
      ...new Set(this.answers.filter((a) => a.kind === "ack").map((a) => a.from)),
    ].sort();
    const missing = this.expected.filter((n) => !responded.includes(n));
    this.end({
      id: this.id,
      expected: this.expected,
      acked,
      responded,
      missing,
      complete: missing.length === 0,
    });
  }

  /** Every iterator sees every answer, from the first. */
  async *[Symbol.asyncIterator](): AsyncIterator<QueryAnswer> {
    let next = 0;
    for (;;) {
      while (next < this.answers.length) yield this.answers[next++]!;
      if (this.finished) return;
      await new Promise<void>((wake) => this.waiters.add(wake));
    }
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}
