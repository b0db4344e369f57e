import { describe, expect, it } from "vitest";
import { BROWSER_MEMBER_BUDGET_BYTES, measureBrowserMember } from "../src/bundle.js";

describe("the browser member's bundle", () => {
  it(`cluster + codec + ws transport fit ${BROWSER_MEMBER_BUDGET_BYTES / 1024} KB minified and gzipped, with no Node modules`, async () => {
    const size = await measureBrowserMember();
    console.log(
      `browser member bundle: ${(size.minified / 1024).toFixed(1)} KB minified, ${(size.gzipped / 1024).toFixed(1)} KB min+gzip (budget ${BROWSER_MEMBER_BUDGET_BYTES / 1024} KB)`,
    );
    expect(size.gzipped).toBeLessThanOrEqual(BROWSER_MEMBER_BUDGET_BYTES);
    // The browser entries were taken, and nothing Node-only came along.
    expect(size.inputs).toContain("packages/cluster/src/index.browser.ts");
    expect(size.inputs).toContain("packages/transport-ws/src/index.browser.ts");
    const nodeOnly = size.inputs.filter(
      (f) =>
        f.startsWith("node:") ||
        f.includes("node_modules/") ||
        /^packages\/cluster\/src\/(keyring|compression|cluster)\.ts$/.test(f) ||
        /^packages\/transport-ws\/src\/(node-socket|ws-server|bind-ws)\.ts$/.test(f),
    );
    expect(nodeOnly).toEqual([]);
  });
});
