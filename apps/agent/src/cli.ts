#!/usr/bin/env node
/**
 * `grapevine`: the reference agent and its client commands. See README.md.
 */
import { processIo } from "./io.js";
import { runCli } from "./program.js";

// `grapevine members | head -1`: a reader that goes away is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
});

runCli(process.argv.slice(2), processIo).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`grapevine: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
