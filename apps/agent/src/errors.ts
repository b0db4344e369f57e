/**
 * A mistake in how the agent or a command was invoked: a bad flag, option value, URL or config
 * file. The CLI prints its message on one line and exits with code 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A failure while doing what was asked: an occupied port, an unreachable agent, a join that timed
 * out. The CLI prints its message on one line and exits with code 1.
 */
export class RuntimeError extends Error {
  override readonly name: string = "RuntimeError";
}

/**
 * The agent's HTTP API could not be reached at all (refused, unknown host, TLS failure, no answer
 * in time). The CLI exits with code 3, so scripts can tell "agent down" from "operation failed".
 */
export class UnreachableError extends RuntimeError {
  override readonly name = "UnreachableError";
}

/** Exit code when the agent cannot be reached. */
export const EXIT_UNREACHABLE = 3;
/** Exit code for usage errors (bad flags, values, URLs, config). */
export const EXIT_USAGE = 2;
/** Exit code for runtime failures (ports, unreachable agents, timeouts). */
export const EXIT_FAILURE = 1;

/** One line describing `err`, with no stack trace. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0] ?? err.name;
  return String(err);
}
