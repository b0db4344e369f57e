import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import { readTarball, type Tarball } from "./tarball.js";
import { repoRoot, tarballName, type WorkspacePackage } from "./workspace.js";

/** A command and its leading arguments. */
export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * How to run the pinned pnpm: `pnpm` when it is on PATH (inside `pnpm test` or `pnpm release` it
 * is), otherwise `npx -y pnpm@<packageManager version>`.
 */
export function pnpmCommand(root: string = repoRoot): Command {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, "pnpm")))
      return { command: join(dir, "pnpm"), args: [] };
  }
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    packageManager?: string;
  };
  return { command: "npx", args: ["-y", manifest.packageManager ?? "pnpm"] };
}

/** What a finished child process printed. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the process after this long, ms (default 120,000). */
  readonly timeoutMs?: number;
  /** Text written to standard input (default: none, closed). */
  readonly input?: string;
}

/** Runs a command to completion and collects its output; never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], options: RunOptions = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Like {@link run}, but throws with the command's output when it exits non-zero. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** Runs `jobs` with at most `limit` at a time (the machines have two cores). */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  job: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await job(items[i] as T);
      }
    }),
  );
  return results;
}

/**
 * Builds the packages from a clean slate: deletes their `dist` (so that nothing a previous build
 * left there, such as source maps, can reach a tarball), then `turbo run build` for them and what
 * they depend on (turbo restores unchanged packages from its cache).
 */
export async function cleanBuild(packages: readonly WorkspacePackage[]): Promise<void> {
  for (const p of packages) rmSync(join(p.path, "dist"), { recursive: true, force: true });
  const pnpm = pnpmCommand();
  const filters = packages.map((p) => `--filter=${p.manifest.name}...`);
  await runOk(
    pnpm.command,
    [...pnpm.args, "exec", "turbo", "run", "build", "--output-logs=errors-only", ...filters],
    { timeoutMs: 600_000 },
  );
}

/**
 * Packs every package with `pnpm pack` into `destination` (pnpm turns `workspace:` ranges into
 * versions and applies `publishConfig`, exactly as `pnpm publish` does) and reads the tarballs.
 */
export async function packAll(
  packages: readonly WorkspacePackage[],
  destination: string,
): Promise<Tarball[]> {
  mkdirSync(destination, { recursive: true });
  const pnpm = pnpmCommand();
  return inParallel(packages, 2, async (p) => {
    await runOk(pnpm.command, [...pnpm.args, "pack", "--pack-destination", destination], {
      cwd: p.path,
    });
    return readTarball(join(destination, tarballName(p.manifest)));
  });
}
