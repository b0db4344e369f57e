import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { exportTargets, type Problem, SOURCE_CONDITION } from "./checks.js";
import {
  type Manifest,
  readManifest,
  repoRoot,
  type WorkspacePackage,
  workspacePackages,
} from "./workspace.js";

/** `exports` as published: the same map without the workspace-only source condition. */
export function withoutSourceCondition(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSourceCondition);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, v]) => [key, withoutSourceCondition(v)]),
  );
}

/** The condition objects of an exports map in which `types` is present but not first. */
function typesNotFirst(value: unknown, where: string): string[] {
  if (typeof value !== "object" || value === null) return [];
  const keys = Object.keys(value);
  const own = keys.includes("types") && keys[0] !== "types" ? [where] : [];
  return [
    ...own,
    ...Object.entries(value).flatMap(([key, v]) => typesNotFirst(v, `${where}["${key}"]`)),
  ];
}

/** Whether `exports` names the source condition anywhere. */
function hasSourceCondition(exports: unknown): boolean {
  return exportTargets(exports).some(([, conditions]) =>
    conditions.split(".").includes(SOURCE_CONDITION),
  );
}

/**
 * What every published package's package.json and folder must hold (see tools/packaging/README.md,
 * "A new package"): checked from the sources, before anything is built.
 */
export function metadataProblems(pkg: WorkspacePackage, root: string = repoRoot): Problem[] {
  const m = pkg.manifest;
  const rootManifest: Manifest = readManifest(root);
  const problems: Problem[] = [];
  const problem = (id: string, detail: string) => problems.push({ id, detail });
  const folder = pkg.dir.split("/").at(-1);

  if (m.name !== `@grapevine/${folder}`)
    problem("name", `name ${m.name} is not @grapevine/${folder}`);
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(m.version ?? ""))
    problem("version", `version ${m.version}`);
  if (!m.description) problem("description", "no description");
  if (!Array.isArray(m.keywords) || m.keywords.length === 0) problem("keywords", "no keywords");
  if (m.license !== "MIT") problem("license", `license ${m.license}, not MIT`);
  const license = join(pkg.path, "LICENSE");
  if (!existsSync(license)) problem("license-file", "no LICENSE file");
  else if (readFileSync(license, "utf8") !== readFileSync(join(root, "LICENSE"), "utf8")) {
    problem("license-file", "LICENSE differs from the root LICENSE");
  }
  if (!existsSync(join(pkg.path, "README.md"))) problem("readme", "no README.md");
  const repoUrl = rootManifest.repository?.url ?? "";
  const web = repoUrl.replace(/^git\+/, "").replace(/\.git$/, "");
  if (m.homepage !== `${web}/tree/main/${pkg.dir}#readme`) {
    problem("homepage", `homepage ${m.homepage}, expected ${web}/tree/main/${pkg.dir}#readme`);
  }
  if (m.bugs?.url !== rootManifest.bugs?.url) problem("bugs", `bugs.url ${m.bugs?.url}`);
  if (m.repository?.type !== "git" || m.repository.url !== repoUrl) {
    problem("repository", `repository ${JSON.stringify(m.repository)}, expected url ${repoUrl}`);
  }
  if (m.repository?.directory !== pkg.dir) {
    problem("repository", `repository.directory ${m.repository?.directory}, expected ${pkg.dir}`);
  }
  if (m.engines?.node !== rootManifest.engines?.node) {
    problem("engines", `engines.node ${m.engines?.node}, expected ${rootManifest.engines?.node}`);
  }
  if (m.type !== "module") problem("type", "not an ES module package");
  if (m.exports === undefined) problem("exports", "no exports map");
  if (!m.files?.includes("dist")) problem("files", "files does not list dist");

  for (const where of typesNotFirst(withoutSourceCondition(m.exports), "exports")) {
    problem("types-first", `${where}: types is not the first condition`);
  }
  if (hasSourceCondition(m.exports)) {
    const published = m.publishConfig?.exports;
    if (!isDeepStrictEqual(published, withoutSourceCondition(m.exports))) {
      problem(
        "publish-exports",
        `publishConfig.exports must be exports without "${SOURCE_CONDITION}", so that the published map names only shipped files`,
      );
    }
  }

  for (const [peer] of Object.entries(m.peerDependencies ?? {})) {
    if (m.peerDependenciesMeta?.[peer]?.optional !== true) {
      problem("peer-required", `peer ${peer} is not optional: npm would install it for every user`);
    }
  }
  const bins = typeof m.bin === "string" ? { [m.name]: m.bin } : (m.bin ?? {});
  for (const [name, target] of Object.entries(bins)) {
    const source = join(pkg.path, target.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));
    if (!target.startsWith("./dist/") || !existsSync(source)) {
      problem("bin", `bin ${name} → ${target} is not built from a file under src/`);
    } else if (!readFileSync(source, "utf8").startsWith("#!/usr/bin/env node\n")) {
      problem("bin", `${source} does not start with #!/usr/bin/env node`);
    }
  }
  const privateNames = new Set(
    workspacePackages(root)
      .filter((p) => p.manifest.private === true)
      .map((p) => p.manifest.name),
  );
  for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies })) {
    if (privateNames.has(dep)) problem("private-dependency", `depends on private ${dep}`);
  }
  return problems;
}
