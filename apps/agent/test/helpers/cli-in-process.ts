import { Readable } from "node:stream";
import type { Io } from "../../src/io.js";
import { runCli } from "../../src/program.js";

/** What a CLI run printed and how it exited. */
export interface InProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in this process with its output captured: for client commands against agents the
 * test started, and for commands that start nothing. `env` is the whole environment the CLI sees
 * (none by default); `stdin`, when given, is what it reads.
 */
export async function runCliInProcess(
  args: readonly string[],
  options: { readonly env?: Record<string, string>; readonly stdin?: string } = {},
): Promise<InProcessResult> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: { write: (t: string | Uint8Array) => (stdout += String(t)) },
    stderr: { write: (t: string) => (stderr += t) },
    env: options.env ?? {},
    ...(options.stdin !== undefined ? { stdin: Readable.from([options.stdin]) } : {}),
  };
  const code = await runCli([...args], io);
  return { code, stdout, stderr };
}
