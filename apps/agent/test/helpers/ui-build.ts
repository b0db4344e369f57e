import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UI_DIR } from "../../src/routes/ui-routes.js";

/** The agent package's folder. */
const AGENT_DIR = fileURLToPath(new URL("../../", import.meta.url));
/** The dashboard's sources. */
const UI_SOURCES = join(AGENT_DIR, "ui");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(path) : s.mtimeMs);
  }
  return newest;
}

/**
 * Builds the dashboard into `dist/ui` when it was never built or its sources changed since
 * (the whole-repo test command builds every package first; a single test file run from a fresh
 * clone does not). Returns the folder of the built files.
 */
export function ensureUiBuilt(): string {
  const page = join(UI_DIR, "index.html");
  if (existsSync(page) && statSync(page).mtimeMs >= newestMtime(UI_SOURCES)) return UI_DIR;
  const vite = join(AGENT_DIR, "node_modules", "vite", "bin", "vite.js");
  // Built aside and moved in whole: test files in other workers may be reading or building too.
  const aside = `${UI_DIR.replace(/\/$/, "")}-${process.pid}`;
  const args = [vite, "build", "--config", "ui/vite.config.ts", "--outDir", aside];
  const r = spawnSync(process.execPath, args, {
    cwd: AGENT_DIR,
    encoding: "utf8",
    // Under vitest NODE_ENV is `test`, which would make Vite build with development code paths.
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (r.status !== 0) throw new Error(`the dashboard build failed:\n${r.stdout}\n${r.stderr}`);
  rmSync(UI_DIR, { recursive: true, force: true });
  try {
    renameSync(aside, UI_DIR);
  } catch {
    // Another worker moved its build in first: the same sources, so the same files.
    rmSync(aside, { recursive: true, force: true });
  }
  return UI_DIR;
}

/** Where browser tests leave their screenshots (ignored by git). */
export const ARTIFACTS_DIR = join(AGENT_DIR, "test-artifacts");
