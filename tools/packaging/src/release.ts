/**
 * `pnpm release [--dry-run]`: checks every public package's metadata, builds them from a clean
 * `dist`, then publishes with changesets (`changeset publish`: each package whose version is not
 * yet on the registry, through `pnpm publish`, which applies `publishConfig`), or, with
 * `--dry-run`, runs `pnpm -r publish --dry-run` over every public package and publishes nothing.
 *
 * The usual flow: `pnpm changeset` (describe a change), `pnpm changeset version` (bump versions
 * and write changelogs; commit), `pnpm release`.
 */

import { spawnSync } from "node:child_process";
import { KNOWN_ISSUES } from "./known-issues.js";
import { metadataProblems } from "./metadata.js";
import { cleanBuild, pnpmCommand } from "./pack.js";
import { publishablePackages, repoRoot } from "./workspace.js";

const dryRun = process.argv.slice(2).includes("--dry-run");
const packages = publishablePackages();

let bad = 0;
for (const pkg of packages) {
  const known = KNOWN_ISSUES[pkg.manifest.name] ?? [];
  for (const problem of metadataProblems(pkg)) {
    if (known.includes(problem.id)) continue;
    bad += 1;
    process.stderr.write(`release: ${pkg.manifest.name}: ${problem.detail}\n`);
  }
}
if (bad > 0) process.exit(1);

process.stdout.write(`release: building ${packages.length} packages from a clean dist\n`);
await cleanBuild(packages);

const pnpm = pnpmCommand();
const args = dryRun
  ? ["-r", "publish", "--dry-run", "--no-git-checks"]
  : ["exec", "changeset", "publish"];
const result = spawnSync(pnpm.command, [...pnpm.args, ...args], {
  cwd: repoRoot,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
