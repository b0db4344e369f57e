import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runOk } from "../src/pack.js";
import { readManifest, repoRoot, workspacePackages } from "../src/workspace.js";

// The changesets release flow on Node 20 (changesets 3.x needs Node 22): `pnpm changeset` starts,
// and `pnpm changeset version` bumps a package, its dependents, and writes changelogs. Run on a
// copy of the workspace's manifests, so that the repository itself is not touched.
const cli = join(
  dirname(createRequire(join(repoRoot, "package.json")).resolve("@changesets/cli/package.json")),
  "bin.js",
);
const copy = mkdtempSync(join(tmpdir(), "grapevine-changesets-"));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe("changesets", () => {
  it("the CLI runs on this Node", async () => {
    const { stdout } = await runOk(process.execPath, [cli, "--version"]);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("publishes with public access", () => {
    const config = JSON.parse(readFileSync(join(repoRoot, ".changeset/config.json"), "utf8"));
    expect(config.access).toBe("public");
  });

  it("changeset version bumps the package, patches its dependents and writes changelogs", async () => {
    for (const file of ["package.json", "pnpm-workspace.yaml", ".changeset/config.json"]) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      copyFileSync(join(repoRoot, file), join(copy, file));
    }
    for (const p of workspacePackages()) {
      mkdirSync(join(copy, p.dir), { recursive: true });
      copyFileSync(join(p.path, "package.json"), join(copy, p.dir, "package.json"));
    }
    writeFileSync(
      join(copy, ".changeset/new-address-format.md"),
      '---\n"@grapevine/transport": minor\n---\n\nA new address format.\n',
    );
    await runOk(process.execPath, [cli, "version"], { cwd: copy });

    const transport = readManifest(join(copy, "packages/transport"));
    const before = readManifest(join(repoRoot, "packages/transport")).version;
    const [major, minor] = before.split(".").map(Number);
    expect(transport.version).toBe(`${major}.${(minor ?? 0) + 1}.0`);
    expect(readFileSync(join(copy, "packages/transport/CHANGELOG.md"), "utf8")).toContain(
      "A new address format.",
    );
    // A published dependent gets a patch release that depends on the new version.
    const udpBefore = readManifest(join(repoRoot, "packages/transport-udp")).version;
    const udp = readManifest(join(copy, "packages/transport-udp"));
    expect(udp.version).not.toBe(udpBefore);
    expect(udp.dependencies?.["@grapevine/transport"]).toBe("workspace:*");
  });
});
