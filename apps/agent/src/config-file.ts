import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { UsageError } from "./errors.js";

/**
 * Reads a config file: JSON when the name ends in `.json`, YAML otherwise (YAML also reads
 * JSON). Throws {@link UsageError} with one line when it cannot be read or parsed.
 */
export function readConfigFile(path: string): { path: string; data: unknown } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code;
    throw new UsageError(`config file ${path}: cannot read (${why ?? "unknown error"})`);
  }
  try {
    if (path.toLowerCase().endsWith(".json")) return { path, data: JSON.parse(text) };
    return { path, data: parseYaml(text) };
  } catch (err) {
    const first = err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err);
    const kind = path.toLowerCase().endsWith(".json") ? "JSON" : "YAML";
    throw new UsageError(`config file ${path}: invalid ${kind}: ${first}`);
  }
}
