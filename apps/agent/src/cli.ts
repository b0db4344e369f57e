#!/usr/bin/env node
/**
 * `grapevine`: the reference agent and its client commands. See README.md.
 */
import { processIo } from "./io.js";
import { runCli } from "./program.js";

runCli(process.argv.slice(2), processIo).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`grapevine: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
