import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { againstKnownIssues } from "../src/known-issues.js";
import { metadataProblems } from "../src/metadata.js";
import { publishablePackages, readManifest, repoRoot } from "../src/workspace.js";

const METADATA_IDS = (id: string) =>
  !id.includes(":") && id !== "source-condition" && id !== "export-missing";

describe("every published package's metadata", () => {
  const packages = publishablePackages();

  it("covers the libraries and the agent, and nothing private", () => {
    const names = packages.map((p) => p.manifest.name);
    expect(names).toContain("@grapevine/cluster");
    expect(names).toContain("@grapevine/transport-udp");
    expect(names).toContain("@grapevine/agent");
    expect(names).not.toContain("@grapevine/sim");
    expect(names).not.toContain("@grapevine/packaging");
  });

  it.each(packages.map((p) => [p.manifest.name, p] as const))("%s", (name, pkg) => {
    const { unexpected, fixed } = againstKnownIssues(name, metadataProblems(pkg), METADATA_IDS);
    expect(unexpected).toEqual([]);
    expect(fixed, "fixed: delete these from KNOWN_ISSUES in src/known-issues.ts").toEqual([]);
  });

  it("the root has the license and the repository every package points to", () => {
    const root = readManifest(repoRoot);
    expect(existsSync(join(repoRoot, "LICENSE"))).toBe(true);
    expect(root.license).toBe("MIT");
    expect(root.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(root.bugs?.url).toBeTruthy();
    expect(root.engines?.node).toBe(">=20");
  });
});
