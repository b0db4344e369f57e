import type { Cluster } from "@grapevine/cluster";
import type { AgentConfig } from "./config.js";
import { formatDuration } from "./duration.js";
import { type JoinOutcome, joinWithRetry, type SeedFailure } from "./join.js";
import type { AgentLogger } from "./logger.js";
import type { JoinReport } from "./operator.js";
import type { LookupAll } from "./seed-resolver.js";
import type { AgentSnapshot } from "./snapshot.js";

/** What joining needs of the agent. */
export interface JoinContext {
  readonly cluster: Cluster;
  readonly config: AgentConfig;
  readonly logger: AgentLogger;
  readonly lookup: LookupAll;
  /** Aborted when the agent leaves. */
  readonly signal: AbortSignal;
}

/**
 * Joins at start through the configured seeds and the members the snapshot remembers, retrying
 * as configured, logging why each seed failed.
 */
export function startJoining(
  ctx: JoinContext,
  snapshot: AgentSnapshot | undefined,
): Promise<JoinOutcome> {
  const remembered = (snapshot?.members ?? []).flatMap((m) => m.addresses);
  const seeds = [...new Set([...ctx.config.join, ...remembered])];
  if (seeds.length === 0) return Promise.resolve({ kind: "aborted" });
  const explicit = ctx.config.join.length > 0;
  ctx.logger.info(
    { seeds, fromSnapshot: remembered.length },
    explicit ? "joining" : "rejoining members remembered in the snapshot",
  );
  return joinWithRetry(ctx.cluster, {
    seeds,
    timeoutMs: ctx.config.joinTimeoutMs,
    maxAttempts: ctx.config.joinMaxAttempts,
    maxBackoffMs: ctx.config.joinRetryIntervalMs,
    lookup: ctx.lookup,
    signal: ctx.signal,
    attemptTimeoutMs: Math.min(5000, Math.max(1000, ctx.cluster.config.probeIntervalMs * 2)),
    joinedByPeer: () => ctx.cluster.aliveCount() > 1,
    onAttemptFailed: (attempt, failures, retryInMs) => {
      for (const f of failures) {
        ctx.logger.warn(
          { attempt, seed: f.seed, ...(f.address ? { address: f.address } : {}), cause: f.cause },
          "seed did not answer",
        );
      }
      if (retryInMs !== undefined) {
        ctx.logger.warn(
          { attempt, retryIn: formatDuration(retryInMs) },
          "no seed answered; retrying",
        );
      }
    },
  })
    .then((outcome) => {
      if (outcome.kind === "joined") {
        ctx.logger.info(
          { answered: outcome.answered, members: ctx.cluster.aliveCount() },
          "joined the cluster",
        );
      } else if (outcome.kind === "joined-by-peer") {
        ctx.logger.info({ members: ctx.cluster.aliveCount() }, "joined by another member");
      } else if (
        (outcome.kind === "timeout" || outcome.kind === "attempts-exhausted") &&
        !explicit
      ) {
        ctx.logger.warn("no remembered member answered; running alone until someone joins");
      }
      return outcome;
    })
    .catch((err: unknown) => {
      ctx.logger.error({ err: err instanceof Error ? err.message : String(err) }, "joining failed");
      return { kind: "aborted" } as const;
    });
}

export async function joinNow(ctx: JoinContext, seeds: readonly string[]): Promise<JoinReport> {
  let failures: readonly SeedFailure[] = [];
  const outcome = await joinWithRetry(ctx.cluster, {
    seeds,
    timeoutMs: 0,
    maxAttempts: 1,
    lookup: ctx.lookup,
    signal: ctx.signal,
    attemptTimeoutMs: Math.min(5000, Math.max(1000, ctx.cluster.config.probeIntervalMs * 2)),
    onAttemptFailed: (_attempt, failed) => {
      failures = failed;
    },
  });
  const joined = outcome.kind === "joined" ? outcome.answered : 0;
  ctx.logger.info({ seeds, joined, failures: failures.length }, "join requested through the API");
  return { joined, failures };
}
