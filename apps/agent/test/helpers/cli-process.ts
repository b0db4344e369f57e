import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SseParser } from "../../src/sse-parser.js";

/** The repository root: tests start the CLI from there, as `pnpm grapevine` does. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Node arguments that run the CLI from its TypeScript sources. */
export const CLI_ARGS = [
  "--import",
  "tsx",
  "--conditions=@grapevine/source",
  "apps/agent/src/cli.ts",
];

/** Environment for child processes: no GRAPEVINE_* settings leak in from the test's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GRAPEVINE_")) env[k] = v;
  return { ...env, ...extra };
}

/** A finished CLI run. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Every process started here, so a test file can kill what is left in afterAll. */
const started = new Set<ChildProcess>();

/** Kills every CLI process still running (SIGKILL). */
export function killAll(): void {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  started.clear();
}

/** Runs one CLI command to completion (killed after `timeoutMs`). */
export function runCliProcess(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
      cwd: REPO_ROOT,
      env: cleanEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      stdout += t;
    });
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `grapevine ${args.join(" ")} did not finish in ${options.timeoutMs ?? 30_000} ms\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      started.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A running `grapevine agent` process. */
export class AgentHandle {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  /** From the ready line. */
  name = "";
  addresses: string[] = [];
  http = "";
  /** `host:port` of the HTTP API, as `--http` takes it. */
  httpAddress = "";
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  /** Starts `grapevine agent ARGS`. */
  constructor(
    args: readonly string[],
    env: Record<string, string> = {},
    command: readonly string[] = ["agent"],
  ) {
    this.child = spawn(process.execPath, [...CLI_ARGS, ...command, ...args], {
      cwd: REPO_ROOT,
      env: cleanEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.add(this.child);
    this.child.stdout?.setEncoding("utf8").on("data", (t: string) => {
      this.stdout += t;
      this.notify();
    });
    this.child.stderr?.setEncoding("utf8").on("data", (t: string) => {
      this.stderr += t;
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        started.delete(this.child);
        this.notify();
        resolve({ code, signal });
      });
    });
  }

  /** Starts any other long-running command (`watch`), with the same helpers. */
  static command(args: readonly string[], env: Record<string, string> = {}): AgentHandle {
    return new AgentHandle(args, env, []);
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Waits until `check` returns a value (re-checked on each output), or fails after `timeoutMs`. */
  waitOutput<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const v = check();
        if (v !== undefined) {
          done();
          resolve(v);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(
            new Error(
              `agent exited while waiting for ${what}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out waiting for ${what}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      this.waiters.add(attempt);
      attempt();
    });
  }

  /** Waits for a line of stderr (the log) matching `pattern`. */
  waitLog(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return this.waitOutput(
      `log ${pattern}`,
      () => this.stderr.split("\n").find((l) => pattern.test(l)),
      timeoutMs,
    );
  }

  /** Waits for the ready line and records what it says. */
  async ready(timeoutMs = 20_000): Promise<this> {
    const line = await this.waitOutput(
      "the ready line",
      () =>
        this.stdout
          .split("\n")
          .find((l) => /^agent \S+ listening on .+, http https?:\/\/\S+$/.test(l)),
      timeoutMs,
    );
    const m = /^agent (\S+) listening on (.+), http (https?:\/\/\S+)$/.exec(line)!;
    this.name = m[1]!;
    this.addresses = m[2]!.split(", ");
    this.http = m[3]!;
    this.httpAddress = this.http.replace(/^http:\/\//, "");
    return this;
  }

  /** Resolves with how the process ended, or rejects after `timeoutMs`. */
  async exit(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`agent did not exit in ${timeoutMs} ms\n${this.stderr}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** GET a JSON route of an agent. */
export async function getJson<T>(base: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as T };
}

/** A cluster event as `GET /v1/events` streams it. */
export type StreamedEvent = Record<string, unknown> & {
  type: string;
  member?: { name: string; status: string };
  node?: string;
  key?: string;
  value?: string;
};

/**
 * Subscribes to an agent's event stream. Once this resolves the agent is delivering events to
 * it, so a condition checked afterwards through the API cannot be missed in between.
 */
export async function openEvents(base: string): Promise<{
  next(
    predicate: (e: StreamedEvent) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<StreamedEvent>;
  close(): void;
}> {
  const controller = new AbortController();
  const res = await fetch(`${base}/v1/events`, { signal: controller.signal });
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const seen: StreamedEvent[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        for (const e of parser.push(decoder.decode(chunk, { stream: true }))) {
          seen.push(JSON.parse(e.data) as StreamedEvent);
        }
        for (const w of [...waiters]) w();
      }
    } catch {
      // Closed by the test.
    }
  })();
  return {
    next(predicate, what, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = seen.find(predicate);
          if (found) {
            done();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no event: ${what} (saw ${seen.map((e) => e.type).join(", ")})`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

/** Resolves once `base` sees member `name` with `status` (checked now, then on events). */
export async function waitForMember(
  base: string,
  name: string,
  status: string,
  timeoutMs = 15_000,
): Promise<void> {
  const events = await openEvents(base);
  try {
    const { body } = await getJson<{ members: { name: string; status: string }[] }>(
      base,
      "/v1/members",
    );
    if (body.members.some((m) => m.name === name && m.status === status)) return;
    await events.next(
      (e) => e.member?.name === name && e.member.status === status,
      `${name} ${status} at ${base}`,
      timeoutMs,
    );
  } finally {
    events.close();
  }
}

/** Resolves once `base` holds `node`'s `key` with `value` (checked now, then on events). */
export async function waitForKey(
  base: string,
  node: string,
  key: string,
  value: string,
  timeoutMs = 15_000,
): Promise<void> {
  const events = await openEvents(base);
  try {
    const res = await fetch(`${base}/v1/kv/${key}?owner=${encodeURIComponent(node)}`);
    if (res.ok && ((await res.json()) as { value: string }).value === value) return;
    await events.next(
      (e) => e.type === "key-changed" && e.node === node && e.key === key && e.value === value,
      `${node}/${key}=${value} at ${base}`,
      timeoutMs,
    );
  } finally {
    events.close();
  }
}
