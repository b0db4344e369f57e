import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attwProblems, type Problem, publintProblems, shippedFileProblems } from "../src/checks.js";
import { freePort } from "../src/free-port.js";
import { againstKnownIssues } from "../src/known-issues.js";
import { type LocalRegistry, startLocalRegistry } from "../src/local-registry.js";
import {
  emptyProject,
  installedBytes,
  type NpmSandbox,
  npmSandbox,
  upstreamRegistry,
} from "../src/npm.js";
import { cleanBuild, packAll, pnpmCommand, run, runOk } from "../src/pack.js";
import { codeBlocks, outputMismatch, readmeExamples } from "../src/readme-examples.js";
import type { Tarball } from "../src/tarball.js";
import { publishablePackages, repoRoot } from "../src/workspace.js";

// What users get: every published package built from a clean dist, packed with pnpm (as
// `pnpm publish` packs), served by a registry on loopback, and installed with plain npm into
// empty projects and a global prefix; then each README's example runs from there.

const packages = publishablePackages();
const names = packages.map((p) => p.manifest.name);
const work = mkdtempSync(join(tmpdir(), "grapevine-packed-"));
let tarballs: Map<string, Tarball>;
let registry: LocalRegistry | undefined;
let npm: NpmSandbox;
const background = new Set<ChildProcess>();
const sizes: Record<string, number> = {};
/** npm installs, started as soon as the registry is up so they overlap the tarball checks. */
let installs: {
  minimal: Promise<string>;
  codec: Promise<string>;
  libraries: Promise<string>;
  agent: Promise<{ cwd: string }>;
};

/** The agent README's install section: its shell commands, one a line. */
function agentInstallCommands(): string[] {
  const readme = readFileSync(join(repoRoot, "apps/agent/README.md"), "utf8");
  const install = readme.slice(readme.indexOf("## Install"), readme.indexOf("## Quick start"));
  return codeBlocks(install)
    .filter((b) => b.lang === "sh")
    .flatMap((b) => b.code.split("\n"))
    .filter((l) => l.trim() !== "");
}

/** Keeps a promise's rejection for whoever awaits it, without an unhandled-rejection report. */
function started<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

beforeAll(async () => {
  await cleanBuild(packages);
  const packed = await packAll(packages, join(work, "tarballs"));
  tarballs = new Map(packed.map((t) => [t.manifest.name, t]));
  registry = await startLocalRegistry(packed);
  npm = npmSandbox(join(work, "npm"), "@grapevine", registry.url, await upstreamRegistry());
  const libraries = packages
    .filter((p) => p.manifest.bin === undefined)
    .map((p) => p.manifest.name);
  const [installAgent] = agentInstallCommands();
  installs = {
    minimal: started(
      (async () => {
        const dir = emptyProject(join(work, "minimal"), "minimal");
        await npmInstall(dir, ["@grapevine/cluster", "@grapevine/transport-udp"]);
        return dir;
      })(),
    ),
    codec: started(
      (async () => {
        const dir = emptyProject(join(work, "codec"), "codec");
        await npmInstall(dir, ["@grapevine/codec"]);
        return dir;
      })(),
    ),
    libraries: started(
      (async () => {
        const dir = emptyProject(join(work, "all"), "all");
        await npmInstall(dir, libraries);
        return dir;
      })(),
    ),
    agent: started(
      (async () => {
        const cwd = mkdtempSync(join(work, "agent-"));
        const [command, ...args] = (installAgent ?? "").split(/\s+/);
        if (command !== "npm") throw new Error(`the install section starts with ${installAgent}`);
        await runOk(command, args, { cwd, env: npm.env, timeoutMs: 300_000 });
        return { cwd };
      })(),
    ),
  };
}, 900_000);

afterAll(async () => {
  for (const child of background) if (child.exitCode === null) child.kill("SIGKILL");
  await registry?.close();
  if (Object.keys(sizes).length > 0) {
    console.log(
      `installed bytes: ${Object.entries(sizes)
        .map(([what, bytes]) => `${what} ${bytes.toLocaleString("en-US")}`)
        .join("; ")}`,
    );
  }
  rmSync(work, { recursive: true, force: true });
});

const tarball = (name: string): Tarball => {
  const t = tarballs.get(name);
  if (t === undefined) throw new Error(`${name} was not packed`);
  return t;
};

function expectOnlyKnown(name: string, problems: Problem[], prefix: (id: string) => boolean) {
  const { unexpected, fixed } = againstKnownIssues(name, problems, prefix);
  expect(unexpected).toEqual([]);
  expect(fixed, "fixed: delete these from KNOWN_ISSUES in src/known-issues.ts").toEqual([]);
}

describe("every tarball", () => {
  it.each(names)("%s ships no reference to a file it does not ship", (name) => {
    const ids = (id: string) => !id.includes(":") && id !== "publish-exports";
    expectOnlyKnown(name, shippedFileProblems(tarball(name)), ids);
  });

  it.each(names)("%s: publint --strict reports nothing", async (name) => {
    const ids = (id: string) => id.startsWith("publint:");
    expectOnlyKnown(name, await publintProblems(tarball(name)), ids);
  });

  it.each(names)("%s: are-the-types-wrong (ESM-only) reports nothing", async (name) => {
    const ids = (id: string) => id.startsWith("attw:");
    expectOnlyKnown(name, await attwProblems(tarball(name)), ids);
  });
});

describe("the agent's tarball", () => {
  it("ships the built dashboard: its page and every file the page loads, not its sources", () => {
    const t = tarball("@grapevine/agent");
    const page = t.files.get("dist/ui/index.html");
    expect(page, "dist/ui/index.html").toBeDefined();
    const html = new TextDecoder().decode(page?.data);
    const refs = [...html.matchAll(/(?:src|href)="\/ui\/([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) expect(t.files.has(`dist/ui/${ref}`), ref).toBe(true);
    expect([...t.files.keys()].filter((f) => f.startsWith("ui/"))).toEqual([]);
  });
});

/** `npm install` into `dir`, from the loopback registry for @grapevine/* and npm's for the rest. */
function npmInstall(dir: string, specs: readonly string[], extra: readonly string[] = []) {
  return runOk("npm", ["install", "--no-package-lock", ...extra, ...specs], {
    cwd: dir,
    env: npm.env,
    timeoutMs: 300_000,
  });
}

/** Runs a program with node in `cwd`, in the sandbox's environment. */
function node(cwd: string, file: string) {
  return run(process.execPath, [file], { cwd, env: npm.env, timeoutMs: 60_000 });
}

describe.concurrent("installed with npm from the registry", () => {
  it("@grapevine/cluster + @grapevine/transport-udp: the cluster README's example, verbatim", async ({
    expect,
  }) => {
    const dir = await installs.minimal;
    sizes["cluster + transport-udp"] = installedBytes(join(dir, "node_modules"));
    // Optional peers are not installed for library users: vitest (the compliance suite's), and
    // memberlist's codec with msgpack (only members on memberlist's wire need it).
    expect(existsSync(join(dir, "node_modules/vitest"))).toBe(false);
    expect(existsSync(join(dir, "node_modules/@grapevine/memberlist-compat"))).toBe(false);
    expect(existsSync(join(dir, "node_modules/@msgpack/msgpack"))).toBe(false);
    expect(sizes["cluster + transport-udp"]).toBeLessThan(1_000_000);

    const [example] = readmeExamples(packages).filter((e) => e.pkg.dir === "packages/cluster");
    expect(example?.output).toBeDefined();
    // Plain JavaScript as well as TypeScript: Node 20 runs it as it stands.
    writeFileSync(join(dir, "example.mjs"), example?.code ?? "");
    const result = await node(dir, "example.mjs");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(outputMismatch(example?.output ?? "", result.stdout)).toBeUndefined();
  });

  it("@grapevine/codec alone: under 150 kB with its one runtime dependency, and its README's example runs", async ({
    expect,
  }) => {
    const dir = await installs.codec;
    sizes.codec = installedBytes(join(dir, "node_modules"));
    const installed = readdirSync(join(dir, "node_modules"))
      .filter((n) => !n.startsWith("."))
      .flatMap((n) =>
        n.startsWith("@") ? readdirSync(join(dir, "node_modules", n)).map((m) => `${n}/${m}`) : [n],
      );
    expect(installed.sort()).toEqual(["@grapevine/codec", "@grapevine/protocol"]);
    expect(sizes.codec).toBeLessThan(150_000);

    const [example] = readmeExamples(packages).filter((e) => e.pkg.dir === "packages/codec");
    expect(example?.output).toBeDefined();
    // The example is TypeScript; its types are checked in the every-library test below.
    const js = ts.transpileModule(example?.code ?? "", {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(dir, "example.mjs"), js);
    const result = await node(dir, "example.mjs");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(outputMismatch(example?.output ?? "", result.stdout)).toBeUndefined();
  });

  it("@grapevine/cluster without memberlist's codec: asking for memberlist's wire names the package", async ({
    expect,
  }) => {
    const dir = await installs.minimal;
    writeFileSync(
      join(dir, "memberlist-missing.mjs"),
      [
        'import { Cluster } from "@grapevine/cluster";',
        "try {",
        '  await Cluster.start({ name: "m", wire: "memberlist", bind: "udp://127.0.0.1:0" });',
        '  console.log("started");',
        "} catch (err) {",
        '  console.log(err.name + ": " + err.message);',
        "}",
      ].join("\n"),
    );
    const result = await node(dir, "memberlist-missing.mjs");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      "ClusterOptionsError: cluster options: wire memberlist needs the package @grapevine/memberlist-compat (npm install @grapevine/memberlist-compat)",
    );
  });

  it("every library: each README example typechecks against the shipped types and prints what its README shows", async ({
    expect,
  }) => {
    const dir = await installs.libraries;
    sizes["every library"] = installedBytes(join(dir, "node_modules"));
    // The compliance suite's vitest is an optional peer: not installed until the user asks.
    expect(existsSync(join(dir, "node_modules/@grapevine/transport-compliance"))).toBe(true);
    expect(existsSync(join(dir, "node_modules/vitest"))).toBe(false);

    // What a TypeScript user adds: node's types, ws's (an optional peer of transport-ws), and
    // vitest to run the compliance suite.
    const rootRequire = createRequire(join(repoRoot, "package.json"));
    const wsTypes = tarball("@grapevine/transport-ws").manifest.peerDependencies?.["@types/ws"];
    expect(wsTypes).toBeDefined();
    const version = (name: string) =>
      (
        JSON.parse(readFileSync(rootRequire.resolve(`${name}/package.json`), "utf8")) as {
          version: string;
        }
      ).version;
    await npmInstall(
      dir,
      [
        `@types/node@${version("@types/node")}`,
        `@types/ws@${wsTypes}`,
        `vitest@${version("vitest")}`,
      ],
      ["--save-dev"],
    );

    const examples = readmeExamples(packages).filter((e) => e.file !== undefined);
    mkdirSync(join(dir, "examples"));
    mkdirSync(join(dir, "test"));
    const programs: { name: string; output: string | undefined; file: string }[] = [];
    for (const e of examples) {
      // One file per example: a README may show several.
      const stem = basename(e.file ?? "").replace(/(\.test)?\.ts$/, "");
      const base = `${e.pkg.dir.replaceAll("/", "-")}-${stem}`;
      if (e.file?.endsWith(".test.ts")) {
        writeFileSync(join(dir, "test", `${base}.test.ts`), e.code);
      } else {
        writeFileSync(join(dir, "examples", `${base}.ts`), e.code);
        programs.push({ name: base, output: e.output, file: join("examples", `${base}.mjs`) });
      }
    }
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
          types: ["node"],
          noEmit: true,
        },
        include: ["examples", "test"],
      }),
    );
    const tsc = rootRequire.resolve("typescript/bin/tsc");
    const typecheck = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir });
    expect(typecheck.stdout + typecheck.stderr).toBe("");

    for (const p of programs) {
      const source = readFileSync(join(dir, "examples", `${p.name}.ts`), "utf8");
      const js = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(join(dir, p.file), js);
    }
    const results = await Promise.all(programs.map((p) => node(dir, p.file)));
    programs.forEach((p, i) => {
      const result = results[i];
      expect(result?.stderr, p.name).toBe("");
      expect(result?.code, p.name).toBe(0);
      expect(outputMismatch(p.output ?? "", result?.stdout ?? ""), p.name).toBeUndefined();
    });

    // The compliance example is a test file: it runs under the user's vitest.
    const vitest = await run(process.execPath, ["node_modules/vitest/vitest.mjs", "run"], {
      cwd: dir,
      env: { ...npm.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      timeoutMs: 180_000,
    });
    expect(vitest.code, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/Tests\s+\d+ passed/);
  });

  it("npm install -g @grapevine/agent: the agent README's install commands work as written", async ({
    expect,
  }) => {
    const lines = agentInstallCommands();
    expect(lines[0]).toBe("npm install -g @grapevine/agent");

    // The README's ports, mapped to free ones.
    const ports = new Map<string, string>();
    for (const port of new Set(lines.join(" ").match(/\b79[45]\d\b/g))) {
      ports.set(port, String(await freePort()));
    }
    const words = (line: string) =>
      line
        .replace(/\s*&$/, "")
        .split(/\s+/)
        .map((w) => w.replace(/\b79[45]\d\b/g, (p) => ports.get(p) ?? p));
    const { cwd } = await installs.agent;
    sizes["agent (global)"] = installedBytes(join(npm.globalPrefix, "lib/node_modules"));
    const version = tarball("@grapevine/agent").manifest.version;

    for (const line of lines.slice(1)) {
      const [command, ...args] = words(line);
      expect(command).toBe("grapevine");
      const bin = join(npm.globalPrefix, "bin/grapevine");
      if (line.trim().endsWith("&")) {
        const child = spawn(bin, args, { cwd, env: npm.env, stdio: ["ignore", "pipe", "pipe"] });
        background.add(child);
        let out = "";
        let err = "";
        child.stderr.on("data", (d: Buffer) => {
          err += d;
        });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no ready line: ${line}\n${err}`)),
            30_000,
          );
          child.stdout.on("data", (d: Buffer) => {
            out += d;
            if (out.includes("listening on")) {
              clearTimeout(timer);
              resolve();
            }
          });
          child.once("exit", (code) => reject(new Error(`exited ${code}: ${line}\n${err}`)));
        });
        continue;
      }
      // Each client command is what a person would type next; gossip may need a moment to carry
      // the join or the key, so a command is retried (bounded) until it shows the result.
      const check = (stdout: string): boolean => {
        if (args[0] === "--version") return stdout.trim() === version;
        if (args[0] === "members")
          return /^a\s.*\balive\b/m.test(stdout) && /^b\s.*\balive\b/m.test(stdout);
        if (args[0] === "get") return stdout.trim() === "blue";
        return true;
      };
      let result = await run(bin, args, { cwd, env: npm.env, timeoutMs: 30_000 });
      for (let i = 0; i < 100 && (result.code !== 0 || !check(result.stdout)); i++) {
        await new Promise((r) => setTimeout(r, 100));
        result = await run(bin, args, { cwd, env: npm.env, timeoutMs: 30_000 });
      }
      expect(result.code, `${line}\n${result.stdout}${result.stderr}`).toBe(0);
      expect(check(result.stdout), `${line}\n${result.stdout}`).toBe(true);
    }
    // Both agents left and exited on their own, cleanly.
    for (const child of background) {
      const code =
        child.exitCode ??
        (await new Promise<number | null>((r) => child.once("exit", (c) => r(c))));
      expect(code).toBe(0);
    }

    // npx runs it without a global install.
    const npx = await run("npx", ["-y", "@grapevine/agent", "--version"], {
      cwd,
      env: npm.env,
      timeoutMs: 120_000,
    });
    expect(npx.stdout.trim(), npx.stderr).toBe(version);
  });

  it("pnpm release --dry-run publishes every public package (dry run)", async ({ expect }) => {
    // Its clean build deletes dist: nothing else here reads dist once the tarballs are packed.
    const pnpm = pnpmCommand();
    const result = await runOk(pnpm.command, [...pnpm.args, "release", "--dry-run"], {
      timeoutMs: 600_000,
    });
    const output = result.stdout + result.stderr;
    for (const name of names) expect(output).toContain(`${name}@`);
  });
});
