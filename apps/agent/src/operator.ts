import type { SeedFailure } from "./join.js";

/** What a runtime join reports: how many members answered, and why each seed that failed did. */
export interface JoinReport {
  readonly joined: number;
  readonly failures: readonly SeedFailure[];
}

/** What the operator verbs of the HTTP API need from the agent. */
export interface OperatorHost {
  /** Joins through `seeds` now (one attempt; names are resolved). */
  join(seeds: readonly string[]): Promise<JoinReport>;
  /**
   * Sends a user event; with `coalesce`, receivers deliver only the newest of a burst of events
   * of this name.
   */
  sendEvent(name: string, payload: Uint8Array, coalesce: boolean): void;
  /** Counts a query sent through the API (`grapevine_queries_sent_total`). */
  countQuery(): void;
}
