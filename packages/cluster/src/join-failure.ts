import type { StreamRefusalReason } from "@grapevine/node";
import { isTransportError } from "@grapevine/transport";

/** Why a seed did not let this member join through it. */
export type JoinFailureCode =
  /** No route to it, no such host, or the connection broke before an answer. */
  | "unreachable"
  /** Nothing listens there (connection refused). */
  | "refused"
  /** No answer within the join timeout. */
  | "timeout"
  /** The TLS handshake failed; the message gives the certificate's reason. */
  | "tls"
  /** It could not open our request, or we its answer: another key or encryption setting. */
  | "key-mismatch"
  /** It belongs to a cluster with another label. */
  | "label-mismatch"
  /** No transport of this member speaks the seed's address scheme. */
  | "scheme-unsupported"
  /** It closed the stream without an answer, or answered something that is not one. */
  | "no-answer";

/** One seed's failure: a stable code, and a message for people. */
export interface JoinFailure {
  readonly code: JoinFailureCode;
  readonly message: string;
}

/** How a join went, seed by seed ({@link ClusterRuntime.joinDetailed}). */
export interface JoinReport {
  /** Seeds that answered (what `join()` resolves to). */
  readonly joined: number;
  /** Every seed in the order given: `failure` says why one did not answer. */
  readonly seeds: ReadonlyArray<{ readonly seed: string; readonly failure?: JoinFailure }>;
}

/** OpenSSL and Node TLS error codes: certificate checks and the handshake. */
const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME|HANDSHAKE/;

/** The errno or library code of an error or of the error it wraps. */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/** Sorts a failed dial or exchange into a {@link JoinFailure}, keeping the error's own words. */
export function joinFailureOf(err: unknown): JoinFailure {
  const message = err instanceof Error ? err.message : String(err);
  const codes = codesOf(err);
  if (codes.includes("ECONNREFUSED")) return { code: "refused", message };
  if (codes.some((c) => TLS_CODE.test(c))) return { code: "tls", message };
  if (codes.includes("ETIMEDOUT") || isTransportError(err, "timeout")) {
    return { code: "timeout", message };
  }
  if (isTransportError(err, "reset")) return { code: "no-answer", message };
  return { code: "unreachable", message };
}

/** The failure a seed's refusal frame names. */
export function refusalFailure(reason: StreamRefusalReason): JoinFailure {
  return reason === "label-mismatch"
    ? { code: "label-mismatch", message: "the seed belongs to a cluster with another label" }
    : {
        code: "key-mismatch",
        message:
          "the seed could not open our request: another key or encryption setting (or, sealed, another label)",
      };
}

/** The last failed exchange with each address, kept until a join reads it (bounded). */
export class ExchangeFailures {
  private readonly last = new Map<string, JoinFailure>();

  /** Notes why an exchange with `to` failed (the latest reason wins). */
  record(to: string, failure: JoinFailure): void {
    this.last.delete(to);
    this.last.set(to, failure);
    if (this.last.size > 1024) this.last.delete(this.last.keys().next().value as string);
  }

  /** The failure noted for `to`, forgotten once read. */
  take(to: string): JoinFailure | undefined {
    const failure = this.last.get(to);
    this.last.delete(to);
    return failure;
  }
}

/**
 * Joins through each seed on its own (`join` asks one seed), at once, and reports each: the
 * failure its exchange noted, or `no-answer` when it failed after the exchange (an answer that is
 * not one, or the join's own deadline).
 */
export async function joinSeedBySeed(
  seeds: readonly string[],
  join: (seed: string) => Promise<number>,
  failures: ExchangeFailures,
  options: { readonly supports: (seed: string) => boolean; readonly timeoutMs: number },
): Promise<JoinReport> {
  const unique = [...new Set(seeds)];
  const outcome = new Map<string, JoinFailure | undefined>();
  const asked = unique.filter((seed) => {
    if (options.supports(seed)) return true;
    const message = `no transport of this member speaks ${seed.split(":")[0]}: addresses`;
    outcome.set(seed, { code: "scheme-unsupported", message });
    return false;
  });
  for (const seed of asked) failures.take(seed);
  const answers = await Promise.all(asked.map((seed) => join(seed)));
  asked.forEach((seed, i) => {
    if ((answers[i] ?? 0) > 0) outcome.set(seed, undefined);
    else {
      // Nothing noted: the join's deadline passed first (or the answer was not a push-pull).
      const message = `no push-pull answer within the join timeout (${options.timeoutMs} ms)`;
      outcome.set(seed, failures.take(seed) ?? { code: "timeout", message });
    }
  });
  const joined = [...outcome.values()].filter((f) => f === undefined).length;
  return {
    joined,
    seeds: seeds.map((seed) => {
      const failure = outcome.get(seed);
      return failure === undefined ? { seed } : { seed, failure };
    }),
  };
}
