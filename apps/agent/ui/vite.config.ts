import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The dashboard, built into the agent package's dist/ui (served at /ui/ by the agent). Preact's
// JSX runtime, no framework plugin: the page needs no dev server, no HMR, nothing at run time but
// the files written here.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/ui/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
