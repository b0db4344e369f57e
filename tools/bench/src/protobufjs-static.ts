/**
 * protobufjs' static code for the codec's schema, as the bench's reference rows use it. The codec
 * ships no protobufjs output, so the bench generates its own with `pbjs` (a dev dependency of
 * this package) the first time it runs after the schema changes, into
 * `node_modules/.cache/grapevine-bench/` (inside node_modules so that the generated module finds
 * `protobufjs/minimal.js`).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Long from "long";
import protobuf from "protobufjs";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = dirname(here);
const require = createRequire(join(packageDir, "package.json"));

/** The schema, as the codec publishes it. */
export const PROTO_PATH = fileURLToPath(import.meta.resolve("@grapevine/codec/grapevine.proto"));

// protobufjs finds `long` through a CommonJS require that can fail under ESM loaders, and then
// silently reads uint64 as lossy doubles. Hand it the module explicitly.
protobuf.util.Long = Long;
protobuf.configure();

/** What the bench uses of a protobufjs message class or reflected type. */
export interface ProtobufType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(object: object): object;
}

/** protobufjs' runtime reflection over the same schema. */
export function reflectionEnvelope(): ProtobufType {
  return protobuf
    .loadSync(PROTO_PATH)
    .lookupType("grapevine.v1.Envelope") as unknown as ProtobufType;
}

/** Generates (when stale) and imports the static code; returns its `Envelope` class. */
export async function staticEnvelope(): Promise<ProtobufType> {
  const cache = join(packageDir, "node_modules", ".cache", "grapevine-bench");
  const out = join(cache, "grapevine.js");
  const stamp = join(cache, "grapevine.proto");
  const proto = readFileSync(PROTO_PATH, "utf8");
  if (!existsSync(out) || !existsSync(stamp) || readFileSync(stamp, "utf8") !== proto) {
    mkdirSync(cache, { recursive: true });
    const pbjs = join(dirname(require.resolve("protobufjs-cli/package.json")), "bin", "pbjs");
    execFileSync(
      process.execPath,
      [
        pbjs,
        ...["--target", "static-module", "--wrap", "es6"],
        // protobufjs has no exports map, so ESM needs the file extension.
        ...["--dependency", "protobufjs/minimal.js"],
        ...["--no-verify", "--no-delimited", "--no-typeurl", "--no-service"],
        ...["--out", out, PROTO_PATH],
      ],
      { stdio: "inherit" },
    );
    writeFileSync(stamp, proto);
  }
  const generated = (await import(pathToFileURL(out).href)) as {
    grapevine: { v1: { Envelope: ProtobufType } };
  };
  return generated.grapevine.v1.Envelope;
}
