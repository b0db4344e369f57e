import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RuntimeError } from "../errors.js";

/**
 * The CLI entry this process was started from, to start agents the same way: `cli.ts` under tsx
 * (sources), `cli.js` from `dist`.
 */
export function cliEntry(): string {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return fileURLToPath(new URL(`../cli${ext}`, import.meta.url));
}

/** True when running from TypeScript sources (through tsx), as `pnpm grapevine` does. */
export function runningFromSources(): boolean {
  return cliEntry().endsWith(".ts");
}

/** What an agent's ready line says. */
export interface ReadyInfo {
  readonly name: string;
  /** Advertised gossip addresses. */
  readonly addresses: readonly string[];
  /** `http://host:port` of its API. */
  readonly http: string;
}

const READY = /^agent (\S+) listening on (.+), http (https?:\/\/\S+)$/;

/** Parses an agent's ready line. */
export function parseReadyLine(line: string): ReadyInfo | undefined {
  const m = READY.exec(line.trim());
  if (!m) return undefined;
  return { name: m[1]!, addresses: m[2]!.split(", "), http: m[3]! };
}

/**
 * One `grapevine agent` child process: started with this process's Node and loader flags, its
 * stdout watched for the ready line, the tail of its stderr kept for error messages.
 */
export class AgentProcess {
  readonly child: ChildProcess;
  /** Set once the ready line was seen. */
  ready: ReadyInfo | undefined;
  /** Exit code or signal, once it exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly stderrTail: string[] = [];
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    args: readonly string[],
  ) {
    this.child = spawn(process.execPath, [...process.execArgv, cliEntry(), "agent", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      // The demo's agents take their settings from flags only, never from the user's
      // GRAPEVINE_* variables or config file.
      env: Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith("GRAPEVINE_")),
      ),
    });
    let partial = "";
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      this.stderrTail.push(...lines.filter((l) => l.trim() !== ""));
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 20));
    });
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      this.child.once("error", (err) => {
        this.stderrTail.push(err.message);
        this.exit = { code: null, signal: null };
        resolve();
      });
    });
  }

  /** The last stderr line, for error messages. */
  lastError(): string {
    return this.stderrTail.at(-1) ?? "(no output)";
  }

  /** Resolves with the ready line's content; rejects if the agent exits first or time runs out. */
  waitReady(timeoutMs: number): Promise<ReadyInfo> {
    return new Promise((resolve, reject) => {
      let buffered = "";
      const timer = setTimeout(
        () => fail(new RuntimeError(`${this.name} did not start within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onData = (text: string) => {
        const lines = (buffered + text).split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) {
          const info = parseReadyLine(line);
          if (info) {
            cleanup();
            this.ready = info;
            resolve(info);
            return;
          }
        }
      };
      const onExit = () =>
        fail(new RuntimeError(`${this.name} exited before it was ready: ${this.lastError()}`));
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off("data", onData);
        this.child.off("exit", onExit);
      };
      const fail = (err: Error) => {
        cleanup();
        reject(err);
      };
      this.child.stdout?.setEncoding("utf8").on("data", onData);
      this.child.once("exit", onExit);
      if (this.exit) onExit();
    });
  }

  /** Sends a signal if the process is still running. */
  kill(signal: NodeJS.Signals): void {
    if (this.exit === undefined) this.child.kill(signal);
  }

  /** Resolves true once the process has exited, false if it is still running after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exit) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Stops the process: `signal` first, SIGKILL if it has not exited after `graceMs`. */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    this.kill(signal);
    if (!(await this.waitExit(graceMs))) {
      this.kill("SIGKILL");
      await this.waitExit(5000);
    }
  }
}
