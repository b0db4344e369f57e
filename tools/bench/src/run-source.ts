import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root (this file is `tools/bench/src/` or `tools/bench/dist/` under it). */
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** How a {@link runSource} child ended: its exit code (-1 when killed) and output. */
export interface SourceRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the TypeScript `script` (a path from the repository root) from the workspace's sources in
 * a child Node.js process, as `pnpm bench` does, with `args`; resolves when it exits, or with
 * code -1 once it has been killed after `timeoutMs`. For the benches' smoke tests.
 */
export function runSource(
  script: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<SourceRun> {
  const argv = ["--import", "tsx", "--conditions=@grapevine/source", script, ...args];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      argv,
      { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
