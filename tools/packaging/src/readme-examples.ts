import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot, type WorkspacePackage, workspacePackages } from "./workspace.js";

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** The info string's first word: `ts`, `sh`, `text`, ... */
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The prose line just before the fence (empty lines skipped), for "It prints:" markers. */
  readonly before: string;
}

/** Every fenced (```) block of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  let lastProse = "";
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i] ?? "");
    if (!open) {
      if ((lines[i] ?? "").trim() !== "") lastProse = (lines[i] ?? "").trim();
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !(lines[i] ?? "").startsWith("```"); i++) {
      body.push(lines[i] ?? "");
    }
    blocks.push({
      lang: open[1] ?? "",
      code: `${body.join("\n")}\n`,
      line: start + 1,
      before: lastProse,
    });
    lastProse = "";
  }
  return blocks;
}

/** A README's TypeScript example, the file it is a copy of, and the output the README shows. */
export interface ReadmeExample {
  readonly pkg: WorkspacePackage;
  /** `packages/cluster/README.md:8`, for messages. */
  readonly where: string;
  readonly code: string;
  /** The file under test whose content is exactly `code`, relative to the root; undefined if none. */
  readonly file: string | undefined;
  /** The ```text block right after the example when the line before it ends in "prints:". */
  readonly output: string | undefined;
}

function* filesUnder(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "node_modules" && name !== "fixtures") yield* filesUnder(path);
    } else if (/\.(ts|mts|js|mjs)$/.test(name)) {
      yield path;
    }
  }
}

/**
 * The TypeScript examples (```ts blocks) of every package README, each paired with the file under
 * test that it copies: any file of a workspace package's `test/` or `examples/` folder with the
 * same text. A README example with no such file has drifted, or was never tested.
 */
export function readmeExamples(
  packages: readonly WorkspacePackage[],
  root: string = repoRoot,
): ReadmeExample[] {
  const candidates = new Map<string, string>();
  for (const p of workspacePackages(root)) {
    for (const folder of ["test", "examples"]) {
      for (const file of filesUnder(join(p.path, folder))) {
        candidates.set(readFileSync(file, "utf8").trim(), relative(root, file));
      }
    }
  }
  const examples: ReadmeExample[] = [];
  for (const pkg of packages) {
    const readme = join(pkg.path, "README.md");
    if (!existsSync(readme)) continue;
    const blocks = codeBlocks(readFileSync(readme, "utf8"));
    blocks.forEach((block, i) => {
      if (block.lang !== "ts") return;
      const next = blocks[i + 1];
      const output =
        next && next.lang === "text" && /prints[^:]*:$/i.test(next.before) ? next.code : undefined;
      examples.push({
        pkg,
        where: `${pkg.dir}/README.md:${block.line}`,
        code: block.code,
        file: candidates.get(block.code.trim()),
        output,
      });
    });
  }
  return examples;
}

/**
 * Checks `actual` output against what a README shows: the same lines, in order, where `…` in the
 * README stands for any text within a line (ports, times, ids). Returns undefined when they match,
 * otherwise a description of the first difference.
 */
export function outputMismatch(expected: string, actual: string): string | undefined {
  const want = expected.trimEnd().split("\n");
  const got = actual.trimEnd().split("\n");
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    const w = want[i];
    const g = got[i];
    if (w === undefined) return `line ${i + 1}: unexpected ${JSON.stringify(g)}`;
    if (g === undefined) return `line ${i + 1}: missing ${JSON.stringify(w)}`;
    const pattern = new RegExp(
      `^${w
        .split("…")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
    if (!pattern.test(g))
      return `line ${i + 1}: expected ${JSON.stringify(w)}, got ${JSON.stringify(g)}`;
  }
  return undefined;
}
