import { resolveConfig } from "../config.js";
import { readConfigFile } from "../config-file.js";
import { errorLine, UsageError } from "../errors.js";
import type { Io } from "../io.js";

/**
 * Every problem of a config file, one line each, naming the key at fault. Each key is checked
 * alongside the keys that pass on their own (so one bad key does not hide the next, and a key
 * is not blamed for a companion set elsewhere in the file), then the whole file (for problems
 * between keys, such as a TLS certificate without its key).
 */
export function configProblems(path: string): string[] {
  const file = readConfigFile(path);
  const data = file.data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return [`config file ${path}: expected a mapping of settings`];
  }
  const problems: string[] = [];
  const check = (subset: unknown) => {
    try {
      resolveConfig({ flags: {}, env: {}, file: { path, data: subset }, hostname: "validate" });
      return undefined;
    } catch (err) {
      return errorLine(err);
    }
  };
  // A key that fails alone may only lack a companion (advertise without its bind, encryption
  // without its keyring): it is a problem only if it still fails next to every key that passes.
  const entries = Object.entries(data);
  const alone = entries.map(([key, value]) => check({ [key]: value }));
  const passing = Object.fromEntries(entries.filter((_, i) => alone[i] === undefined));
  entries.forEach(([key, value], i) => {
    if (alone[i] === undefined) return;
    const problem = check({ ...passing, [key]: value });
    if (problem !== undefined) problems.push(problem);
  });
  if (problems.length === 0) {
    const whole = check(data);
    if (whole !== undefined) problems.push(whole);
  }
  return problems;
}

/** `grapevine validate CONFIG`: prints every problem of a config file; exit 2 when there is one. */
export async function validateCommand(path: string, io: Io): Promise<number> {
  const problems = configProblems(path);
  if (problems.length === 0) {
    io.stdout.write(`${path}: valid\n`);
    return 0;
  }
  for (const p of problems) io.stderr.write(`grapevine: ${p}\n`);
  throw new UsageError(`${path}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
}
