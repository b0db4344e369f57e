import { defineConfig } from "vitest/config";

/**
 * Packages held to the sans-IO rule (STYLE.md). Their tests run with the clock, timer and
 * random globals replaced by throwing stubs (scripts/test/sans-io-stubs.ts), so a core that
 * reads one fails its own tests. A folder that does not exist yet simply matches nothing.
 */
export const SANS_IO_PACKAGES = ["swim", "state", "node"];

const tests = (pkgs: string) => `packages/${pkgs}/{src,test}/**/*.test.ts`;
const sansIoTests = tests(`{${SANS_IO_PACKAGES.join(",")}}`);

// One vitest run covers every workspace package. Workspace imports resolve to
// TypeScript sources through the `@grapevine/source` export condition, so tests
// never need a build first.
export default defineConfig({
  resolve: {
    conditions: ["@grapevine/source", "module", "node", "import", "default"],
  },
  ssr: {
    resolve: {
      conditions: ["@grapevine/source", "module", "node", "import", "default"],
      externalConditions: ["@grapevine/source"],
    },
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "sans-io",
          include: [sansIoTests],
          setupFiles: ["scripts/test/sans-io-stubs.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "io",
          include: ["{packages,apps,tools}/*/{src,test}/**/*.test.ts", "scripts/test/**/*.test.ts"],
          exclude: ["**/node_modules/**", sansIoTests],
        },
      },
    ],
  },
});
