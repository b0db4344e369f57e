import type { Cluster, JoinFailureCode } from "@grapevine/cluster";
import { type LookupAll, resolveSeeds, systemLookup } from "./seed-resolver.js";

/** Options of {@link joinWithRetry}. Times in ms. */
export interface JoinRetryOptions {
  /** Seed addresses; `udp://` seeds may name hosts (every address of a name is tried). */
  readonly seeds: readonly string[];
  /** Give up after this long; 0 retries for ever. */
  readonly timeoutMs: number;
  /** Give up after this many attempts; 0 (the default) means no limit. */
  readonly maxAttempts?: number;
  /** Deadline of one attempt (default 5000). */
  readonly attemptTimeoutMs?: number;
  /** First pause between attempts, doubled after each failure (default 250, at most the longest). */
  readonly initialBackoffMs?: number;
  /** Longest pause between attempts (default 15,000). */
  readonly maxBackoffMs?: number;
  /** Resolves seed host names, again before every attempt (default: the system resolver). */
  readonly lookup?: LookupAll;
  /** Stops retrying (the result is `aborted`). */
  readonly signal: AbortSignal;
  /** Stops retrying as `joined-by-peer` when this turns true (someone else joined us). */
  readonly joinedByPeer?: () => boolean;
  /**
   * Called after each failed attempt with why each seed failed, and the pause before the next
   * attempt (undefined when there is none: the timeout or the attempt limit is reached).
   */
  readonly onAttemptFailed?: (
    attempt: number,
    failures: readonly SeedFailure[],
    retryInMs: number | undefined,
  ) => void;
}

/** Why one seed (or one address of a seed's name) did not answer an attempt. */
export interface SeedFailure {
  /** The seed as configured. */
  readonly seed: string;
  /** The address tried, when it differs from the seed (a resolved name). */
  readonly address?: string;
  /** The cause's stable code (a name that does not resolve is `unreachable`). */
  readonly code: JoinFailureCode;
  readonly cause: string;
}

/** How {@link joinWithRetry} ended. */
export type JoinOutcome =
  | { readonly kind: "joined"; readonly answered: number; readonly attempts: number }
  | { readonly kind: "joined-by-peer" }
  | { readonly kind: "timeout"; readonly attempts: number }
  | { readonly kind: "attempts-exhausted"; readonly attempts: number }
  | { readonly kind: "aborted" };

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * One join attempt: resolves the seeds afresh, pushes-pulls with every address at once (this
 * node's own addresses excepted: a headless Service lists the asking pod too), and reports how
 * many answered and why each of the others did not.
 */
async function attempt(
  cluster: Cluster,
  options: JoinRetryOptions,
  timeoutMs: number,
): Promise<{ answered: number; failures: SeedFailure[] }> {
  const resolved = await resolveSeeds(options.seeds, options.lookup ?? systemLookup);
  const failures: SeedFailure[] = [];
  const own = new Set(cluster.addresses);
  const targets = new Map<string, string>();
  for (const r of resolved) {
    if (r.error !== undefined) failures.push({ seed: r.seed, code: "unreachable", cause: r.error });
    for (const address of r.addresses) if (!own.has(address)) targets.set(address, r.seed);
  }
  const entries = [...targets];
  const report = await cluster.joinDetailed([...targets.keys()], { timeoutMs });
  let answered = 0;
  entries.forEach(([address, seed], i) => {
    const failure = report.seeds[i]?.failure;
    if (failure === undefined) {
      answered += 1;
      return;
    }
    const cause = `${failure.code}: ${failure.message}`;
    failures.push({ seed, ...(address === seed ? {} : { address }), code: failure.code, cause });
  });
  return { answered, failures };
}

/**
 * Joins through `seeds`, retrying with exponential back-off (with ±20% jitter, so that agents
 * restarted together do not retry in lockstep) until at least one seed answers, the timeout
 * passes, the attempt limit is reached, the signal aborts, or another member joins this node
 * first. Seed names are resolved again before every attempt.
 */
export async function joinWithRetry(
  cluster: Cluster,
  options: JoinRetryOptions,
): Promise<JoinOutcome> {
  const started = Date.now();
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5000;
  const maxBackoff = options.maxBackoffMs ?? 15_000;
  const maxAttempts = options.maxAttempts ?? 0;
  let backoff = Math.min(options.initialBackoffMs ?? 250, maxBackoff);
  let attempts = 0;
  const remaining = () =>
    options.timeoutMs > 0 ? options.timeoutMs - (Date.now() - started) : Number.POSITIVE_INFINITY;
  for (;;) {
    if (options.signal.aborted || cluster.status !== "running") return { kind: "aborted" };
    if (options.joinedByPeer?.()) return { kind: "joined-by-peer" };
    const left = remaining();
    if (left <= 0) return { kind: "timeout", attempts };
    attempts += 1;
    const { answered, failures } = await attempt(
      cluster,
      options,
      Math.max(1, Math.min(attemptTimeoutMs, left)),
    );
    if (answered > 0) return { kind: "joined", answered, attempts };
    if (options.signal.aborted || cluster.status !== "running") return { kind: "aborted" };
    if (options.joinedByPeer?.()) return { kind: "joined-by-peer" };
    if (maxAttempts > 0 && attempts >= maxAttempts) {
      options.onAttemptFailed?.(attempts, failures, undefined);
      return { kind: "attempts-exhausted", attempts };
    }
    const jittered = Math.round(backoff * (0.8 + Math.random() * 0.4));
    const wait = Math.min(jittered, remaining());
    if (wait <= 0) {
      options.onAttemptFailed?.(attempts, failures, undefined);
      return { kind: "timeout", attempts };
    }
    options.onAttemptFailed?.(attempts, failures, wait);
    await pause(wait, options.signal);
    backoff = Math.min(backoff * 2, maxBackoff);
  }
}
