/**
 * `tsx scripts/emit-js.ts`: writes the shipped JavaScript, `dist/**\/*.js`, from `src/` (tests
 * excluded). The declarations come from `tsc --emitDeclarationOnly`; the JavaScript comes from
 * esbuild, one module per source file as tsc would emit it, with whitespace and syntax compacted
 * and every name kept. The codec is mostly generated code whose readable form is `src/gen/` in
 * the repository; compacting it keeps the installed package small (see the README).
 *
 * Usage: tsx scripts/emit-js.ts
 */
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(packageDir, "src");

/** Every non-test TypeScript file under `dir`, recursively. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out.sort();
}

await build({
  entryPoints: sources(srcDir),
  outbase: srcDir,
  outdir: join(packageDir, "dist"),
  format: "esm",
  platform: "neutral",
  target: "es2022",
  bundle: false,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
});
