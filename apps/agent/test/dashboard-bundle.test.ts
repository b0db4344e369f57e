import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ensureUiBuilt } from "./helpers/ui-build.js";

/** The dashboard's budget: every asset it ships, minified and gzipped, bytes. */
const BUDGET_BYTES = 150 * 1024;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe("the dashboard's assets", () => {
  it(`fit in ${BUDGET_BYTES / 1024} KB minified and gzipped`, () => {
    const dir = ensureUiBuilt();
    let raw = 0;
    let gzipped = 0;
    const lines: string[] = [];
    for (const path of files(dir)) {
      const bytes = readFileSync(path);
      const gz = gzipSync(bytes, { level: 9 }).length;
      raw += bytes.length;
      gzipped += gz;
      lines.push(`  ${relative(dir, path)}: ${bytes.length} B, ${gz} B gzipped`);
    }
    console.log(
      `dashboard assets: ${raw} B minified, ${gzipped} B gzipped (${(gzipped / 1024).toFixed(1)} KB of ${BUDGET_BYTES / 1024} KB)\n${lines.join("\n")}`,
    );
    expect(gzipped).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("load nothing from anywhere but the agent (no CDN)", () => {
    const dir = ensureUiBuilt();
    const page = readFileSync(join(dir, "index.html"), "utf8");
    for (const m of page.matchAll(/(?:src|href)="([^"]+)"/g)) {
      expect(m[1], "an asset the page loads").toMatch(/^(\/ui\/|data:)/);
    }
    for (const path of files(dir).filter((p) => p.endsWith(".js"))) {
      const text = readFileSync(path, "utf8");
      // Minified: no source file spread out, and no import of anything outside the build.
      expect(text.split("\n").length).toBeLessThan(50);
      expect(text).not.toMatch(/\bimport\s*\(?\s*["']https?:/);
    }
  });
});
