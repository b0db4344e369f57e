import type { Cluster } from "@grapevine/cluster";

/** Options of {@link joinWithRetry}. Times in ms. */
export interface JoinRetryOptions {
  /** Seed addresses; one answering push-pull is enough. */
  readonly seeds: readonly string[];
  /** Give up after this long; 0 retries for ever. */
  readonly timeoutMs: number;
  /** Deadline of one attempt (default 5000). */
  readonly attemptTimeoutMs?: number;
  /** First pause between attempts, doubled after each failure (default 250). */
  readonly initialBackoffMs?: number;
  /** Longest pause between attempts (default 15,000). */
  readonly maxBackoffMs?: number;
  /** Stops retrying (the result is `aborted`). */
  readonly signal: AbortSignal;
  /** Stops retrying as `joined-by-peer` when this turns true (someone else joined us). */
  readonly joinedByPeer?: () => boolean;
  /** Called after each failed attempt with the pause before the next one. */
  readonly onRetry?: (attempt: number, delayMs: number) => void;
}

/** How {@link joinWithRetry} ended. */
export type JoinOutcome =
  | { readonly kind: "joined"; readonly answered: number; readonly attempts: number }
  | { readonly kind: "joined-by-peer" }
  | { readonly kind: "timeout"; readonly attempts: number }
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
 * Joins through `seeds`, retrying with exponential back-off (with ±20% jitter, so that agents
 * restarted together do not retry in lockstep) until at least one seed answers, the timeout
 * passes, the signal aborts, or another member joins this node first.
 */
export async function joinWithRetry(
  cluster: Cluster,
  options: JoinRetryOptions,
): Promise<JoinOutcome> {
  const started = Date.now();
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5000;
  const maxBackoff = options.maxBackoffMs ?? 15_000;
  let backoff = options.initialBackoffMs ?? 250;
  let attempts = 0;
  const remaining = () =>
    options.timeoutMs > 0 ? options.timeoutMs - (Date.now() - started) : Number.POSITIVE_INFINITY;
  for (;;) {
    if (options.signal.aborted || cluster.status !== "running") return { kind: "aborted" };
    if (options.joinedByPeer?.()) return { kind: "joined-by-peer" };
    const left = remaining();
    if (left <= 0) return { kind: "timeout", attempts };
    attempts += 1;
    const answered = await cluster.join(options.seeds, {
      timeoutMs: Math.max(1, Math.min(attemptTimeoutMs, left)),
    });
    if (answered > 0) return { kind: "joined", answered, attempts };
    if (options.signal.aborted || cluster.status !== "running") return { kind: "aborted" };
    const jittered = Math.round(backoff * (0.8 + Math.random() * 0.4));
    const wait = Math.min(jittered, remaining());
    if (wait <= 0) return { kind: "timeout", attempts };
    options.onRetry?.(attempts, wait);
    await pause(wait, options.signal);
    backoff = Math.min(backoff * 2, maxBackoff);
  }
}
