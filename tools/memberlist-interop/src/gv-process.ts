import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { JsonLines, type LineEvent } from "./json-lines.js";

/** The repository root: child processes run TypeScript sources from there. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Node arguments that run a TypeScript entry point from the sources. */
export const TS_NODE_ARGS = ["--import", "tsx", "--conditions=@grapevine/source"];

/** Environment for child processes: no GRAPEVINE_* settings leak in from the test's shell. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GRAPEVINE_")) env[k] = v;
  return env;
}

/** Options of one {@link GvNode}. */
export interface GvNodeOptions {
  readonly preset?: "lan" | "wan" | "local";
  readonly tags?: Readonly<Record<string, string>>;
  /** base64 key: encryption on. */
  readonly key?: string;
  readonly label?: string;
}

/** A member as a Grapevine node reports it. */
export interface GvMember {
  readonly name: string;
  readonly status: string;
  readonly tags: Record<string, string>;
}

/**
 * A Grapevine node on memberlist's wire in its own process (`gv-node.ts`): events as JSON lines
 * with wall-clock times, commands on stdin; it can be killed with SIGKILL or paused with SIGSTOP.
 */
export class GvNode {
  address = "";
  private readonly lines: JsonLines;
  private constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    this.lines = new JsonLines(child.stdout);
    child.stderr.resume();
  }

  /** Starts the process and waits until it listens. */
  static async start(name: string, options: GvNodeOptions = {}): Promise<GvNode> {
    const entry = fileURLToPath(new URL("./gv-node.ts", import.meta.url));
    const args = [
      name,
      options.preset ?? "local",
      JSON.stringify(options.tags ?? {}),
      options.key ?? "",
      options.label ?? "",
    ];
    const child = spawn(process.execPath, [...TS_NODE_ARGS, entry, ...args], {
      cwd: REPO_ROOT,
      env: childEnv(),
      stdio: "pipe",
    });
    const node = new GvNode(name, child);
    const ready = await node.lines.waitFor((e) => e.event === "ready", 20_000, "ready line");
    node.address = ready.addr as string;
    return node;
  }

  get events(): readonly LineEvent[] {
    return this.lines.events;
  }

  waitFor(predicate: (e: LineEvent) => boolean, timeoutMs: number): Promise<LineEvent> {
    return this.lines.waitFor(predicate, timeoutMs, `event of ${this.name}`);
  }

  /** Sends one command (see gv-node.ts). */
  command(command: Record<string, unknown>): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.write(`${JSON.stringify(command)}\n`);
    }
  }

  /** Joins through `addrs` (`host:port`); resolves how many seeds answered. */
  async join(addrs: readonly string[]): Promise<number> {
    const reply = this.lines.next((e) => e.event === "joined", 10_000, "join reply");
    this.command({ cmd: "join", addrs });
    return (await reply).answered as number;
  }

  async members(): Promise<GvMember[]> {
    const reply = this.lines.next((e) => e.event === "members", 5_000, "member list");
    this.command({ cmd: "members" });
    return (await reply).members as GvMember[];
  }

  /** Sets tags; resolves the reply (`tags-set`, or `tags-refused` with the error). */
  async setTags(tags: Record<string, string>): Promise<LineEvent> {
    const reply = this.lines.next((e) => e.event.startsWith("tags-"), 5_000, "tags reply");
    this.command({ cmd: "tags", tags });
    return reply;
  }

  async leave(): Promise<void> {
    const reply = this.lines.next((e) => e.event === "left", 15_000, "leave");
    this.command({ cmd: "leave" });
    await reply;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Ends the process (at once, without leaving). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGCONT");
    this.child.kill("SIGKILL");
    await exited;
  }
}
