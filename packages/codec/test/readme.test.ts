import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encodePacket } from "../src/index.js";
import { label, message, sent } from "./support/arbitraries.js";
import { type EnvelopeType, referenceDecode, referenceEncode } from "./support/reference.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(packageDir, "README.md"), "utf8");

describe("README", () => {
  // The example itself (a file under test that prints what the README shows) is checked with every
  // package's in tools/packaging/test/readme-examples.test.ts.
  it("the protobufjs command generates code that agrees with the codec", async () => {
    const command = /```sh\n(npx pbjs [^\n]*)\n```/.exec(readme)?.[1];
    expect(command).toBeDefined();
    const args = command!.split(/\s+/).slice(2);
    // Inside node_modules, so that the generated module finds `protobufjs/minimal.js`.
    const outDir = join(packageDir, "node_modules", ".cache", `readme-pbjs-${process.pid}`);
    mkdirSync(outDir, { recursive: true });
    const out = join(outDir, "grapevine.js");
    const require = createRequire(join(packageDir, "package.json"));
    const pbjs = join(dirname(require.resolve("protobufjs-cli/package.json")), "bin", "pbjs");
    try {
      execFileSync(
        process.execPath,
        [
          pbjs,
          ...args.map((a) =>
            a === "grapevine.js"
              ? out
              : a.replace("node_modules/@grapevine/codec/", `${packageDir}/`),
          ),
        ],
        { stdio: "pipe" },
      );
      const generated = (await import(pathToFileURL(out).href)) as {
        grapevine: { v1: { Envelope: EnvelopeType } };
      };
      const Envelope = generated.grapevine.v1.Envelope;
      // Well-formed strings only: protobufjs writes lone surrogates as invalid UTF-8.
      fc.assert(
        fc.property(fc.array(message, { maxLength: 6 }).map(sent), label.map(sent), (ms, l) => {
          const ours = encodePacket(ms, { label: l });
          expect(referenceEncode(ms, l, Envelope)).toEqual(ours);
          expect(referenceDecode(ours, Envelope)).toEqual({ version: 1, label: l, messages: ms });
          const back = decode(referenceEncode(ms, l, Envelope), { maxPacketBytes: 1 << 24 });
          expect(back.ok && back.envelope.messages).toEqual(ms);
        }),
        { seed: 0x5eed, numRuns: 200 },
      );
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});
