#!/usr/bin/env node
/** Copies the committed protobufjs static code (src/gen) into dist/gen; tsc emits only .ts sources. */
import { cpSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
cpSync(join(packageDir, "src", "gen"), join(packageDir, "dist", "gen"), { recursive: true });
