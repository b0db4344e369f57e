/** Where a command writes and what it reads from its environment; tests pass their own. */
export interface Io {
  readonly stdout: { write(text: string | Uint8Array): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard input, for commands that read a secret from it (`keys install -`). */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
}

/** The real process streams and environment. */
export const processIo: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
};
