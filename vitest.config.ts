import { defineConfig } from "vitest/config";

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
    include: ["{packages,apps,tools}/*/{src,test}/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
