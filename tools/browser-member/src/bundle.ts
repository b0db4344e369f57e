import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile } from "esbuild";

/** The budget of a browser member (cluster + codec + ws transport), minified and gzipped, bytes. */
export const BROWSER_MEMBER_BUDGET_BYTES = 60 * 1024;

/**
 * esbuild settings for browser code: the `browser` export conditions (and the workspace's source
 * condition, so no build is needed first), ES2022, minified, one ES module. A `node:` import or
 * the `ws` package reaching the graph fails the build: browsers have neither.
 */
export const BROWSER_BUILD: BuildOptions = {
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  minify: true,
  conditions: ["@grapevine/source"],
  legalComments: "none",
  logLevel: "silent",
};

/** A measured bundle. */
export interface BundleSize {
  /** Minified bytes. */
  readonly minified: number;
  /** Minified then gzipped (level 9), bytes. */
  readonly gzipped: number;
  /** The source files that went in (workspace-relative paths). */
  readonly inputs: readonly string[];
}

/** Bundles `entry` for browsers in memory and measures it. */
export async function measureBundle(entry: string): Promise<BundleSize> {
  const result = await build({
    ...BROWSER_BUILD,
    entryPoints: [entry],
    write: false,
    metafile: true,
  });
  const js = result.outputFiles[0]!.contents;
  return {
    minified: js.byteLength,
    gzipped: gzipSync(js, { level: 9 }).byteLength,
    inputs: Object.keys((result.metafile as Metafile).inputs),
  };
}

/** The browser member's budget entry (see budget-entry.ts), measured. */
export function measureBrowserMember(): Promise<BundleSize> {
  return measureBundle(new URL("./budget-entry.ts", import.meta.url).pathname);
}

/**
 * Builds the example page into `outDir`: `index.html` and `member.js` (the page's script with the
 * cluster, bundled). Serve the folder from any static server; open it on `http://127.0.0.1` or
 * `https://` (Web Crypto needs a secure context).
 */
export async function buildPage(outDir: string): Promise<void> {
  const src = new URL("./", import.meta.url).pathname;
  await build({
    ...BROWSER_BUILD,
    entryPoints: { member: `${src}member.ts` },
    outdir: outDir,
    sourcemap: true,
  });
  const { copyFile } = await import("node:fs/promises");
  await copyFile(`${src}index.html`, `${outDir}/index.html`);
}
