import type { StreamPurpose } from "./outputs.js";

/** One stream exchange the core started and has not yet heard the end of. */
export interface StreamExchange {
  readonly to: string;
  readonly purpose: StreamPurpose;
  /** The probe's sequence number (`probe` only). */
  readonly seq?: number;
  /** The join this push-pull belongs to, if any. */
  readonly join?: number | undefined;
  readonly startedAt: number;
}

interface Join {
  waiting: number;
  joined: number;
}

/**
 * Bookkeeping of stream exchanges in flight (each has an id; a late reply to one that timed out
 * finds nothing and is ignored) and of joins (how many seeds are still to answer).
 */
export class StreamExchanges {
  private readonly open_ = new Map<number, StreamExchange>();
  private readonly joins = new Map<number, Join>();
  private nextId = 1;
  private nextJoin = 1;

  /** Registers an exchange and returns its id. */
  open(exchange: StreamExchange): number {
    const id = this.nextId++;
    this.open_.set(id, exchange);
    if (exchange.join !== undefined) {
      const join = this.joins.get(exchange.join);
      if (join) join.waiting += 1;
    }
    return id;
  }

  /** Whether exchange `id` is still in flight. */
  has(id: number): boolean {
    return this.open_.has(id);
  }

  /** Ends exchange `id`: returns it, or `undefined` when it already ended. */
  settle(id: number): StreamExchange | undefined {
    const exchange = this.open_.get(id);
    this.open_.delete(id);
    return exchange;
  }

  /** Starts a join; returns its token. */
  startJoin(): number {
    const token = this.nextJoin++;
    this.joins.set(token, { waiting: 0, joined: 0 });
    return token;
  }

  /** Whether join `token` is still waiting for a seed. */
  joinPending(token: number): boolean {
    return (this.joins.get(token)?.waiting ?? 0) > 0;
  }

  /** One seed of join `token` answered (or failed). Returns true when none is left waiting. */
  joinSettled(token: number, answered: boolean): boolean {
    const join = this.joins.get(token);
    if (join === undefined) return false;
    join.waiting -= 1;
    if (answered) join.joined += 1;
    return join.waiting <= 0;
  }

  /** Ends join `token`: how many seeds answered, or `undefined` when it already ended. */
  finishJoin(token: number): number | undefined {
    const join = this.joins.get(token);
    if (join === undefined) return undefined;
    this.joins.delete(token);
    return join.joined;
  }
}
