/**
 * `pnpm bench <suite> [...]`: runs benchmark suites; each prints one JSON line per case on stdout.
 * A suite is a module in `./cases/` whose default export is `(args: string[]) => Promise<void>`.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(join(here, "cases"))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => f.slice(0, -3))
  .sort();

const [suite, ...rest] = process.argv.slice(2);
if (!suite || suite === "--help" || suite === "-h") {
  console.log(`usage: pnpm bench <suite> [options]\nsuites: ${available.join(", ")}, all`);
  process.exit(suite ? 0 : 2);
}
const suites = suite === "all" ? available : [suite];
for (const name of suites) {
  if (!available.includes(name)) {
    console.error(`bench: unknown suite ${JSON.stringify(name)} (have: ${available.join(", ")})`);
    process.exit(2);
  }
  const mod = (await import(`./cases/${name}.ts`)) as {
    default: (args: string[]) => Promise<void>;
  };
  await mod.default(rest);
}
