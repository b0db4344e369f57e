import { isTransportError, type TransportErrorCode } from "@grapevine/transport";

/** The error {@link withTimeout} rejects with: a wait in the suite took longer than allowed. */
export class ComplianceTimeoutError extends Error {
  override readonly name = "ComplianceTimeoutError";
}

/**
 * Resolves or rejects as `promise` does, or rejects with {@link ComplianceTimeoutError} naming
 * `what` after `ms` milliseconds of real time, whichever comes first. The timer is cleared once
 * settled, so a finished test leaves no timer behind.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new ComplianceTimeoutError(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function describeError(error: unknown): string {
  if (isTransportError(error)) return `TransportError(${error.code}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Calls `fn`, which must throw synchronously a `TransportError` with code `code` (e.g. `send`
 * of an oversized datagram). Throws a descriptive `Error` otherwise.
 */
export function expectThrowsTransportError(
  fn: () => unknown,
  code: TransportErrorCode,
  what: string,
): void {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (isTransportError(error, code)) return;
    throw new Error(`${what}: expected TransportError(${code}), got ${describeError(error)}`);
  }
  throw new Error(
    `${what}: expected TransportError(${code}) to be thrown, but it returned ${String(result)}`,
  );
}

/**
 * Calls `fn`, which must return a promise that rejects, within `ms`, with a `TransportError` whose
 * code is one of `codes` (e.g. `write` of an oversized frame). A synchronous throw is a failure:
 * asynchronous operations must report errors by rejecting. Resolves with the error.
 */
export async function expectRejectsTransportError(
  fn: () => Promise<unknown>,
  codes: TransportErrorCode | readonly TransportErrorCode[],
  ms: number,
  what: string,
): Promise<Error> {
  const allowed: readonly TransportErrorCode[] = typeof codes === "string" ? [codes] : codes;
  const expected = allowed.map((c) => `TransportError(${c})`).join(" or ");
  let promise: Promise<unknown>;
  try {
    promise = fn();
  } catch (error) {
    throw new Error(
      `${what}: threw synchronously (${describeError(error)}); it must return a rejected promise`,
    );
  }
  let value: unknown;
  try {
    value = await withTimeout(promise, ms, what);
  } catch (error) {
    if (error instanceof ComplianceTimeoutError) {
      throw new Error(
        `${what}: expected ${expected}, but it neither resolved nor rejected in ${ms} ms`,
      );
    }
    if (isTransportError(error) && allowed.includes(error.code)) return error;
    throw new Error(`${what}: expected ${expected}, got ${describeError(error)}`);
  }
  throw new Error(`${what}: expected ${expected}, but it resolved with ${String(value)}`);
}
