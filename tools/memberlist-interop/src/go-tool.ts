import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { JsonLines, type LineEvent } from "./json-lines.js";

/** Where Debian's `golang-github-hashicorp-memberlist-dev` puts memberlist and its dependencies. */
export const DEBIAN_GOPATH = "/usr/share/gocode";
const toolDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "memberlist-go");

/**
 * Whether these tests must run: in CI (`CI` set, as `.ci/run` does) a missing Go toolchain or
 * memberlist is a failure, not a skip; on a developer machine without them the suite is skipped,
 * so that the whole-repo test command still runs there. `GRAPEVINE_REQUIRE_GO=1` forces the CI
 * behaviour locally.
 */
export function goRequired(): boolean {
  return Boolean(process.env.CI) || process.env.GRAPEVINE_REQUIRE_GO === "1";
}

/** Why Go cannot be used here, or undefined when it can. */
export function goMissing(): string | undefined {
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.error || go.status !== 0)
    return "the go command is not installed (apt-get install golang-go)";
  if (!existsSync(join(DEBIAN_GOPATH, "src/github.com/hashicorp/memberlist"))) {
    return "memberlist's sources are not installed (apt-get install golang-github-hashicorp-memberlist-dev)";
  }
  return undefined;
}

let built: string | undefined;

/**
 * Builds tools/memberlist-go offline against Debian's Go sources (GOPATH mode, no module proxy)
 * and returns the binary's path. Built once per process.
 */
export function buildGoTool(): string {
  if (built !== undefined) return built;
  const outDir = join(tmpdir(), `grapevine-memberlist-go-${process.getuid?.() ?? 0}`);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, "memberlist-go");
  const result = spawnSync("go", ["build", "-o", out, "."], {
    cwd: toolDir,
    encoding: "utf8",
    env: {
      ...process.env,
      GO111MODULE: "off",
      GOPATH: DEBIAN_GOPATH,
      GOFLAGS: "",
      GOPROXY: "off",
      GOCACHE: process.env.GOCACHE ?? join(outDir, "cache"),
    },
  });
  if (result.status !== 0) throw new Error(`go build failed:\n${result.stderr}${result.stdout}`);
  built = out;
  return out;
}

/** One JSON line the Go tool printed. */
export type GoEvent = LineEvent;

/** What of memberlist's presets (config.go, 0.2.2) bounds how long detection can take. */
const DETECTION_CONFIG = {
  lan: { probeIntervalMs: 1_000, suspicionMult: 4 },
  wan: { probeIntervalMs: 5_000, suspicionMult: 6 },
  local: { probeIntervalMs: 1_000, suspicionMult: 3 },
} as const;
/** memberlist's `SuspicionMaxTimeoutMult` in every preset. */
const SUSPICION_MAX_TIMEOUT_MULT = 6;

/**
 * How long a member of a `members`-member cluster on memberlist's `preset` may take to declare a
 * killed member dead when no gossip helps it (ms): its round-robin reaches the victim within
 * `members` protocol periods, and a suspicion that hears no independent confirmation runs to its
 * maximum, `SuspicionMaxTimeoutMult` times the minimum `SuspicionMult · max(1, log10 n) ·
 * ProbeInterval`; plus `marginMs`. In a small cluster that is no rare case: a suspect or dead
 * message goes to RetransmitMult·⌈log10(n+1)⌉ random members (2 with the local preset), and the
 * killed member, or one killed shortly before, may be among them. Grapevine's own maximum is the
 * same formula with its preset's values, which match memberlist's.
 */
export function unconfirmedDetectionMs(
  preset: "lan" | "wan" | "local",
  members: number,
  marginMs = 5_000,
): number {
  const { probeIntervalMs, suspicionMult } = DETECTION_CONFIG[preset];
  const minSuspicionMs = suspicionMult * Math.max(1, Math.log10(members)) * probeIntervalMs;
  return members * probeIntervalMs + SUSPICION_MAX_TIMEOUT_MULT * minSuspicionMs + marginMs;
}

/** Options of `memberlist-go run`. */
export interface GoClusterOptions {
  readonly nodes: number;
  readonly preset?: "lan" | "wan" | "local";
  /** base64 AES key: encryption on. */
  readonly key?: string;
  /** Node meta; `%d` becomes the node's index. */
  readonly meta?: string;
  readonly namePrefix?: string;
  /** memberlist's own log, kept in {@link GoCluster.log} (for diagnosing a failure). */
  readonly verbose?: boolean;
}

/**
 * A `memberlist-go run` process: N memberlist nodes on 127.0.0.1, their events as JSON lines,
 * commands on stdin. Waits are on events with a deadline, never on sleeps.
 */
export class GoCluster {
  readonly addresses: string[] = [];
  readonly names: string[] = [];
  /** memberlist's log lines (with `verbose`). */
  readonly log: string[] = [];
  private readonly lines: JsonLines;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      this.log.push(...t.split("\n").filter((l) => l !== ""));
    });
    this.lines = new JsonLines(child.stdout, (event) => {
      if (event.event === "ready") {
        this.addresses[event.node as number] = event.addr as string;
        this.names[event.node as number] = event.name as string;
      }
    });
  }

  /** The process id of the Go program (all N nodes run in it). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Every event printed so far. */
  get events(): readonly GoEvent[] {
    return this.lines.events;
  }

  /** The first event (already seen or still to come) that satisfies `predicate`. */
  waitFor(predicate: (e: GoEvent) => boolean, timeoutMs: number): Promise<GoEvent> {
    return this.lines.waitFor(predicate, timeoutMs, "Go event");
  }

  /** Starts the process and waits until every node is listening. */
  static async start(binary: string, options: GoClusterOptions): Promise<GoCluster> {
    const args = ["run", "-n", String(options.nodes), "-preset", options.preset ?? "local"];
    if (options.key) args.push("-key", options.key);
    if (options.meta) args.push("-meta", options.meta);
    if (options.namePrefix) args.push("-name", options.namePrefix);
    if (options.verbose) args.push("-v");
    const cluster = new GoCluster(spawn(binary, args, { stdio: "pipe" }));
    for (let i = 0; i < options.nodes; i++) {
      await cluster.waitFor((e) => e.event === "ready" && e.node === i, 10_000);
    }
    return cluster;
  }

  /** Sends one command (see tools/memberlist-go/main.go). */
  command(command: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Node `node`'s member list, as memberlist reports it. */
  async members(
    node: number,
  ): Promise<{ name: string; state: string; meta: string; addr: string }[]> {
    const from = this.events.length;
    this.command({ cmd: "members", node });
    const reply = await this.waitFor(
      (e) => e.event === "members" && e.node === node && this.events.indexOf(e) >= from,
      5_000,
    );
    return reply.members as { name: string; state: string; meta: string; addr: string }[];
  }

  /** Ends the process (every node shuts down without leaving). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end(`${JSON.stringify({ cmd: "exit" })}\n`);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
