/**
 * The base of every error Grapevine throws or returns on purpose: `code` says what went wrong in a
 * form a program can switch on, the same on every transport and in every package; `message` says
 * more for humans. Each package narrows `Code` to its own union (`TransportErrorCode`,
 * `CodecErrorReason`, ...); {@link isGrapevineError} tests for any of them.
 */
export class GrapevineError<Code extends string = string> extends Error {
  override name = "GrapevineError";
  /** Machine-readable cause, kebab-case (`invalid-address`, `timeout`, `malformed`, ...). */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `err` is a {@link GrapevineError} (of any package), optionally with the given code. */
export function isGrapevineError<Code extends string = string>(
  err: unknown,
  code?: Code,
): err is GrapevineError<Code> {
  return err instanceof GrapevineError && (code === undefined || err.code === code);
}

/** An address URL that cannot be parsed: thrown by `parseAddress`. */
export class AddressError extends GrapevineError<"invalid-address"> {
  override name = "AddressError";

  constructor(message: string) {
    super("invalid-address", message);
  }
}
