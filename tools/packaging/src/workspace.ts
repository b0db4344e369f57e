import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The repository root (three levels above this file: tools/packaging/src). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The fields of a package.json this tooling reads. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly keywords?: readonly string[];
  readonly homepage?: string;
  readonly bugs?: { readonly url?: string };
  readonly repository?: {
    readonly type?: string;
    readonly url?: string;
    readonly directory?: string;
  };
  readonly license?: string;
  readonly type?: string;
  readonly engines?: Readonly<Record<string, string>>;
  readonly bin?: string | Readonly<Record<string, string>>;
  readonly exports?: unknown;
  readonly publishConfig?: { readonly access?: string; readonly exports?: unknown };
  readonly files?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
}

/** One package of the pnpm workspace. */
export interface WorkspacePackage {
  /** Folder relative to the repository root, with forward slashes: `packages/cluster`. */
  readonly dir: string;
  /** Absolute folder. */
  readonly path: string;
  readonly manifest: Manifest;
}

export function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(join(path, "package.json"), "utf8")) as Manifest;
}

/**
 * Every package of the workspace, in folder order, from the globs of `pnpm-workspace.yaml`
 * (which name folders as `group/*`).
 */
export function workspacePackages(root: string = repoRoot): WorkspacePackage[] {
  const config = parse(readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")) as {
    packages?: string[];
  };
  const found: WorkspacePackage[] = [];
  for (const glob of config.packages ?? []) {
    if (!glob.endsWith("/*") || glob.slice(0, -2).includes("*")) {
      throw new Error(`pnpm-workspace.yaml: only "folder/*" globs are understood, got ${glob}`);
    }
    const group = glob.slice(0, -2);
    if (!existsSync(join(root, group))) continue;
    for (const name of readdirSync(join(root, group)).sort()) {
      const path = join(root, group, name);
      if (!existsSync(join(path, "package.json"))) continue;
      found.push({ dir: `${group}/${name}`, path, manifest: readManifest(path) });
    }
  }
  return found;
}

/** The packages that are published: every workspace package not marked `private`. */
export function publishablePackages(root: string = repoRoot): WorkspacePackage[] {
  return workspacePackages(root).filter((p) => p.manifest.private !== true);
}

/** The file name `pnpm pack` gives a package's tarball: `@grapevine/cluster` → `grapevine-cluster-0.1.0.tgz`. */
export function tarballName(manifest: Manifest): string {
  return `${manifest.name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`;
}
