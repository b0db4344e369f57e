import { posix } from "node:path";
import { checkPackage, createPackageFromTarballData } from "@arethetypeswrong/core";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import type { Tarball } from "./tarball.js";

/** One thing wrong with a tarball. `id` is stable (for the known-issues list), `detail` is for people. */
export interface Problem {
  readonly id: string;
  readonly detail: string;
}

/** The export condition the workspace resolves to TypeScript sources; never published. */
export const SOURCE_CONDITION = "@grapevine/source";

/** Every `[subpath, condition path, target]` of an `exports` map (strings only, recursively). */
export function exportTargets(exports: unknown): [string, string, string][] {
  const out: [string, string, string][] = [];
  const walk = (subpath: string, conditions: string, value: unknown) => {
    if (typeof value === "string") out.push([subpath, conditions, value]);
    else if (Array.isArray(value)) for (const v of value) walk(subpath, conditions, v);
    else if (typeof value === "object" && value !== null) {
      for (const [key, v] of Object.entries(value)) {
        if (key.startsWith(".")) walk(key, conditions, v);
        else walk(subpath, conditions ? `${conditions}.${key}` : key, v);
      }
    }
  };
  if (typeof exports === "string") walk(".", "", exports);
  else if (typeof exports === "object" && exports !== null) {
    const keys = Object.keys(exports);
    // `{ "import": ..., "types": ... }` without subpaths is the "." export.
    if (keys.length > 0 && keys.every((k) => !k.startsWith("."))) walk(".", "", exports);
    else walk("", "", exports);
  }
  return out;
}

function text(t: Tarball, path: string): string | undefined {
  const f = t.files.get(path);
  return f === undefined ? undefined : new TextDecoder().decode(f.data);
}

/**
 * What the repository requires of every tarball beyond publint and attw: the license and README
 * travel with it; nothing shipped points at a file that is not shipped (export targets, bins,
 * source maps and the sources they name); the workspace-only source condition is gone; no
 * `workspace:` ranges and no tests; bins are executable Node scripts.
 */
export function shippedFileProblems(t: Tarball): Problem[] {
  const problems: Problem[] = [];
  const m = t.manifest;
  for (const required of ["package.json", "README.md", "LICENSE"]) {
    if (!t.files.has(required))
      problems.push({ id: `missing:${required}`, detail: `no ${required}` });
  }
  for (const [subpath, conditions, target] of exportTargets(m.exports)) {
    const where = `exports["${subpath}"]${conditions ? `.${conditions}` : ""}`;
    if (conditions.split(".").includes(SOURCE_CONDITION)) {
      problems.push({ id: "source-condition", detail: `${where} (${target}) is published` });
    }
    if (target.includes("*")) continue;
    if (!t.files.has(posix.normalize(target))) {
      problems.push({ id: "export-missing", detail: `${where} is ${target}, not in the tarball` });
    }
  }
  const bins = typeof m.bin === "string" ? { [m.name]: m.bin } : (m.bin ?? {});
  for (const [name, target] of Object.entries(bins)) {
    const file = t.files.get(posix.normalize(target));
    if (file === undefined) {
      problems.push({ id: "bin-missing", detail: `bin ${name} is ${target}, not in the tarball` });
      continue;
    }
    if (!text(t, file.path)?.startsWith("#!/usr/bin/env node\n")) {
      problems.push({ id: "bin-shebang", detail: `bin ${name} (${target}) has no node shebang` });
    }
    if ((file.mode & 0o111) !== 0o111) {
      problems.push({
        id: "bin-mode",
        detail: `bin ${name} (${target}) is mode ${file.mode.toString(8)}, not executable`,
      });
    }
  }
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
    const deps = (m as unknown as Record<string, unknown>)[field] as
      | Record<string, string>
      | undefined;
    for (const [dep, range] of Object.entries(deps ?? {})) {
      if (range.startsWith("workspace:")) {
        problems.push({ id: "workspace-range", detail: `${field}.${dep} is ${range}` });
      }
    }
  }
  for (const path of t.files.keys()) {
    if (/\.test\.[cm]?[jt]s$|(^|\/)test\//.test(path)) {
      problems.push({ id: "test-shipped", detail: `${path} is a test` });
    }
    const body = /\.(m?js|d\.ts)$/.test(path) ? text(t, path) : undefined;
    const mapRef = body && /^\/\/# sourceMappingURL=(.+)$/m.exec(body)?.[1]?.trim();
    if (mapRef && !mapRef.startsWith("data:")) {
      const mapPath = posix.join(posix.dirname(path), mapRef);
      const map = text(t, mapPath);
      if (map === undefined) {
        problems.push({ id: "map-missing", detail: `${path} names ${mapRef}, not shipped` });
        continue;
      }
      const sources = (JSON.parse(map) as { sources?: string[] }).sources ?? [];
      for (const source of sources) {
        const sourcePath = posix.join(posix.dirname(mapPath), source);
        if (!t.files.has(sourcePath)) {
          problems.push({
            id: "map-source-missing",
            detail: `${mapPath} names ${source}, not shipped`,
          });
        }
      }
    }
  }
  return problems;
}

/** publint in strict mode (warnings are errors) on the tarball itself: no packing of its own. */
export async function publintProblems(t: Tarball): Promise<Problem[]> {
  const tarball = t.bytes.buffer.slice(t.bytes.byteOffset, t.bytes.byteOffset + t.bytes.byteLength);
  const { messages, pkg } = await publint({
    pack: { tarball: tarball as ArrayBuffer },
    strict: true,
    level: "suggestion",
  });
  return messages.map((message) => ({
    id: `publint:${message.code}`,
    detail: `${message.type}: ${formatMessage(message, pkg) ?? message.code}`,
  }));
}

/** The resolution modes the ESM-only profile of are-the-types-wrong leaves out. */
const ESM_ONLY_IGNORED = new Set(["node10", "node16-cjs"]);

/**
 * are-the-types-wrong on the tarball with the ESM-only profile (node16 from ESM, and bundler
 * resolution), on every export whose targets are JavaScript (a `.proto` export has no types to
 * check). Runs `@arethetypeswrong/core`, the library behind `attw`, in this process: one
 * TypeScript load for every package instead of one CLI start each.
 */
export async function attwProblems(t: Tarball): Promise<Problem[]> {
  const targets = exportTargets(t.manifest.exports);
  const nonJs = [...new Set(targets.map(([subpath]) => subpath))].filter(
    (subpath) => !targets.some(([s, , target]) => s === subpath && /\.m?js$/.test(target)),
  );
  const result = await checkPackage(createPackageFromTarballData(t.bytes), {
    excludeEntrypoints: nonJs,
  });
  if (!result.types) return [{ id: "attw:no-types", detail: "the package ships no types" }];
  return result.problems
    .filter((p) => !("resolutionKind" in p) || !ESM_ONLY_IGNORED.has(p.resolutionKind))
    .map((p) => ({
      id: `attw:${p.kind}`,
      detail: `${p.kind}${"entrypoint" in p ? ` at ${p.entrypoint}` : ""}${"resolutionKind" in p ? ` (${p.resolutionKind})` : ""}`,
    }));
}
