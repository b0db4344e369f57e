import { lstatSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { runOk } from "./pack.js";

/**
 * An npm set up as a user's would be, except that one scope comes from a loopback registry: its
 * own user config (so nothing of the developer's `~/.npmrc` or of the `pnpm` / `vitest` process
 * that runs the tests leaks in), the usual registry for every other package, and a global prefix
 * of its own for `npm install -g`.
 */
export interface NpmSandbox {
  /** The environment to run `npm` and installed binaries with. */
  readonly env: NodeJS.ProcessEnv;
  /** Where `npm install -g` puts packages; its `bin` is first on PATH in {@link NpmSandbox.env}. */
  readonly globalPrefix: string;
}

/** Variables of the test process that a user's shell would not have. */
const FOREIGN = /^(npm_|NODE_OPTIONS$|VITEST|PNPM_|TSX_|TEST$)/i;

/**
 * Creates the sandbox under `work`: `.npmrc` maps `scope` to `scopeRegistry` and keeps
 * `upstreamRegistry` (the registry npm uses on this machine) for the rest.
 */
export function npmSandbox(
  work: string,
  scope: string,
  scopeRegistry: string,
  upstreamRegistry: string,
): NpmSandbox {
  mkdirSync(work, { recursive: true });
  const npmrc = join(work, ".npmrc");
  writeFileSync(
    npmrc,
    [
      `registry=${upstreamRegistry}`,
      `${scope}:registry=${scopeRegistry}`,
      "fund=false",
      "audit=false",
      "update-notifier=false",
      "",
    ].join("\n"),
  );
  const globalPrefix = join(work, "global");
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!FOREIGN.test(key)) env[key] = value;
  }
  env.npm_config_userconfig = npmrc;
  env.npm_config_prefix = globalPrefix;
  env.PATH = [join(globalPrefix, "bin"), env.PATH ?? ""].join(delimiter);
  return { env, globalPrefix };
}

/** The registry npm uses here (`npm config get registry`), read with the caller's own config. */
export async function upstreamRegistry(): Promise<string> {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^npm_config_registry$/i.test(key)) delete env[key];
  const { stdout } = await runOk("npm", ["config", "get", "registry"], { env });
  return stdout.trim() || "https://registry.npmjs.org/";
}

/** An empty npm project at `dir` (a package.json and nothing else). */
export function emptyProject(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name, private: true, type: "module" }, null, 2)}\n`,
  );
  return dir;
}

/**
 * Bytes in the regular files under `dir` (what `du --apparent-size` counts, less directories).
 * An entry that disappears while it is walked (npm's cache or a staging folder) counts nothing.
 */
export function installedBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) total += installedBytes(path);
    else if (stat?.isFile()) total += stat.size;
  }
  return total;
}
