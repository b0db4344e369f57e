/**
 * `pnpm generate`: reads proto/grapevine.proto and writes the TypeScript the codec is built on,
 * under src/gen/:
 *   messages.ts  the message types (TSDoc from the .proto's comments)
 *   schema.ts    the tag table and enum conversions
 *   decode.ts    one decoder per message, the kind dispatch, the envelope's two passes
 *   encode.ts    one sizer and one writer per message, the kind dispatch, the envelope header
 *
 * Usage: tsx scripts/generate.ts [--check]
 *   --check  writes nothing; exits 1 and names the stale files when src/gen differs from what
 *            the .proto gives (the codec's schema test makes the same check in every test run).
 *
 * The output depends only on the .proto and this generator, so running it twice gives identical
 * files.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { markInternal } from "./codegen/common.js";
import { emitDecode } from "./codegen/emit-decode.js";
import { emitEncode } from "./codegen/emit-encode.js";
import { emitSchema } from "./codegen/emit-schema.js";
import { emitTypes } from "./codegen/emit-types.js";
import { readSchema } from "./codegen/model.js";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The schema. */
export const PROTO_PATH = join(packageDir, "proto", "grapevine.proto");
/** Where the generated files go. */
export const GEN_DIR = join(packageDir, "src", "gen");

/** The generated files for the schema `source`, by file name. */
export function generate(source: string): Record<string, string> {
  const schema = readSchema(source);
  return {
    "decode.ts": markInternal(emitDecode(schema)),
    "encode.ts": markInternal(emitEncode(schema)),
    "messages.ts": emitTypes(schema),
    "schema.ts": markInternal(emitSchema(schema)),
  };
}

/** Names of the files in src/gen that differ from what the current .proto gives (or are extra). */
export function staleFiles(): string[] {
  const files = generate(readFileSync(PROTO_PATH, "utf8"));
  const present = readdirSync(GEN_DIR);
  const stale = Object.entries(files)
    .filter(
      ([name, text]) =>
        !present.includes(name) || readFileSync(join(GEN_DIR, name), "utf8") !== text,
    )
    .map(([name]) => name);
  return [...stale, ...present.filter((name) => !(name in files))].sort();
}

function main(args: string[]): void {
  if (args.includes("--check")) {
    const stale = staleFiles();
    if (stale.length > 0) {
      console.error(`src/gen is stale (${stale.join(", ")}): run \`pnpm generate\``);
      process.exit(1);
    }
    return;
  }
  const files = generate(readFileSync(PROTO_PATH, "utf8"));
  rmSync(GEN_DIR, { recursive: true, force: true });
  mkdirSync(GEN_DIR, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(GEN_DIR, name), text);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
