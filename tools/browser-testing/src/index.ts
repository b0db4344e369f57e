import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Where Debian's `chromium` package installs the browser. */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/**
 * Flags for a headless Chromium on a machine with no network but loopback: no sandbox (CI runs
 * as root), no GPU, and none of the background connections (updates, sync, QUIC probes) that a
 * closed network refuses by the dozen.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * The Chromium executable: `GRAPEVINE_CHROMIUM` when set, else Debian's path; undefined when
 * neither exists.
 */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.GRAPEVINE_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
  return existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined;
}

/**
 * Whether the browser tests must run: in CI (`CI` set, as `.ci/run` does) a missing Chromium is
 * a failure, not a skip; on a developer machine without it they are skipped, so the whole-repo
 * test command still runs there. `GRAPEVINE_REQUIRE_BROWSER=1` forces the CI behaviour.
 */
export function browserRequired(): boolean {
  return Boolean(process.env.CI) || process.env.GRAPEVINE_REQUIRE_BROWSER === "1";
}

/**
 * Launches Chromium headless with {@link CHROMIUM_ARGS} (Playwright gives it a fresh temporary
 * profile). Throws with the install hint when the executable is missing. Close it with
 * `browser.close()`.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error(
      "Chromium is not installed: apt-get install chromium, or set GRAPEVINE_CHROMIUM to its path",
    );
  }
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
}
