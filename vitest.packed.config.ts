import { defineConfig } from "vitest/config";

// The packed-install suite (tools/packaging/packed): builds, packs and installs what users get, so
// it runs on its own after the main suite (`pnpm test` runs both; `pnpm test:packed` runs this).
export default defineConfig({
  test: {
    include: ["tools/packaging/packed/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
