import { formatDuration } from "../duration.js";
import { RuntimeError } from "../errors.js";
import type { Io } from "../io.js";
import { formatTable } from "../table.js";
import { AgentProcess, runningFromSources } from "./agent-process.js";
import { MembershipView, type Observer } from "./membership-view.js";
import { Screen } from "./screen.js";

/** Options of `grapevine demo`. */
export interface DemoOptions {
  /** Keep the remaining agents running until Ctrl-C. */
  readonly keep?: boolean;
}

const NODES = ["node-1", "node-2", "node-3", "node-4", "node-5"];
const FIRST = "node-1";
const KILLED = "node-5";
const LEAVER = "node-4";
const KEY = "greeting";
const VALUE = "hello from node-1";
const POLL_MS = 100;

/** Time limits of the steps, ms: generous next to what they take on the `local` preset. */
const LIMITS = {
  start: 30_000,
  converge: 15_000,
  spread: 10_000,
  suspect: 20_000,
  dead: 30_000,
  leave: 15_000,
};

class Interrupted extends Error {}

interface StepResult {
  readonly title: string;
  readonly ms: number;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The quick start: five agents as child processes on loopback UDP, a live membership matrix, a
 * key set on one node reaching all, a SIGKILLed node going suspect then dead, a graceful leave,
 * and a summary of how long each step took.
 */
class Demo {
  private readonly agents = new Map<string, AgentProcess>();
  /** Agents expected to be running; any other exit fails the demo. */
  private readonly expected = new Set<string>();
  private readonly view = new MembershipView(NODES);
  private readonly screen: Screen;
  private readonly steps: StepResult[] = [];
  private readonly started = Date.now();
  private lastFlat = new Map<string, string>();
  /** Resolves false on Ctrl-C, to cut a step's wait short. */
  private readonly interrupted: Promise<boolean>;
  private readonly killOnExit = () => {
    for (const a of this.agents.values()) a.kill("SIGKILL");
  };

  constructor(
    io: Io,
    private readonly stop: AbortSignal,
    private readonly options: DemoOptions,
  ) {
    this.screen = new Screen(io, io.stdout.isTTY === true);
    this.interrupted = new Promise((resolve) => {
      if (stop.aborted) resolve(false);
      stop.addEventListener("abort", () => resolve(false), { once: true });
    });
    process.on("exit", this.killOnExit);
  }

  async run(): Promise<number> {
    const color = this.screen.interactive;
    this.screen.log(
      `Grapevine demo: ${NODES.length} agents on loopback UDP, preset "local" (Ctrl-C stops them all)\n`,
    );

    await this.step(`start ${NODES.length} agents`, LIMITS.start, async () => {
      const first = this.spawn(FIRST, []);
      const ready = await first.waitReady(LIMITS.start);
      const seed = ready.addresses[0] ?? "";
      const others = NODES.slice(1).map((n) =>
        this.spawn(n, ["--join", seed, "--join-timeout", "10s"]),
      );
      await Promise.all(others.map((a) => a.waitReady(LIMITS.start)));
      return true;
    });

    await this.step(`every agent sees all ${NODES.length} alive`, LIMITS.converge, () =>
      NODES.every((m) => this.view.allSee(this.running(), m, ["alive"])),
    );

    const firstHttp = this.agents.get(FIRST)?.ready?.http ?? "";
    await this.request("PUT", `${firstHttp}/v1/kv/${KEY}`, VALUE);
    await this.step(
      `key "${KEY}" set on ${FIRST} reaches all ${NODES.length}`,
      LIMITS.spread,
      async () => {
        const seen = await Promise.all(this.running().map((n) => this.readKey(n)));
        return seen.every((v) => v === VALUE);
      },
    );

    this.screen.log(`  … killing ${KILLED} with SIGKILL (no leave)`);
    this.expected.delete(KILLED);
    this.agents.get(KILLED)?.kill("SIGKILL");
    const survivors = () => this.running();
    await this.step(`${KILLED} suspected by another agent`, LIMITS.suspect, () =>
      survivors().some((o) => ["suspect", "dead"].includes(this.view.status(o, KILLED))),
    );
    await this.step(`${KILLED} declared dead by all others`, LIMITS.dead, () =>
      this.view.allSee(survivors(), KILLED, ["dead"]),
    );

    this.screen.log(`  … ${LEAVER} leaves gracefully (POST /v1/leave)`);
    const leaver = this.agents.get(LEAVER);
    this.expected.delete(LEAVER);
    await this.step(`${LEAVER} left, seen as "left" by all others`, LIMITS.leave, async () => {
      if (!leaver?.exit) {
        await this.request("POST", `${leaver?.ready?.http}/v1/leave`);
        await leaver?.waitExit(LIMITS.leave);
      }
      if (leaver?.exit && leaver.exit.code !== 0) {
        throw new RuntimeError(`${LEAVER} exited with code ${leaver.exit.code} after leaving`);
      }
      return this.view.allSee(survivors(), LEAVER, ["left"]);
    });

    await this.refresh();
    this.screen.setLive([]);
    this.summary(color);
    if (this.options.keep) {
      this.keepRunning();
      this.screen.log("");
      while (!this.stop.aborted) {
        await this.refresh();
        await pause(250);
      }
      this.screen.freeze();
    }
    return 0;
  }

  /** Stops every agent still running: SIGTERM (they leave), SIGKILL after a grace period. */
  async cleanup(): Promise<void> {
    this.expected.clear();
    await Promise.all([...this.agents.values()].map((a) => a.stop("SIGTERM", 5000)));
    process.off("exit", this.killOnExit);
  }

  private spawn(name: string, extra: readonly string[]): AgentProcess {
    const agent = new AgentProcess(name, [
      "--name",
      name,
      "--bind",
      "udp://127.0.0.1:0",
      "--http",
      "127.0.0.1:0",
      "--preset",
      "local",
      "--log-level",
      "warn",
      ...extra,
    ]);
    this.agents.set(name, agent);
    this.expected.add(name);
    return agent;
  }

  /** Agents expected to be running and ready. */
  private running(): string[] {
    return NODES.filter((n) => this.expected.has(n) && this.agents.get(n)?.ready !== undefined);
  }

  private observers(): Observer[] {
    return this.running().map((n) => ({ name: n, http: this.agents.get(n)?.ready?.http ?? "" }));
  }

  private async readKey(node: string): Promise<string | undefined> {
    const http = this.agents.get(node)?.ready?.http;
    try {
      const res = await fetch(`${http}/v1/kv/${KEY}?owner=${FIRST}`, {
        signal: AbortSignal.timeout(1000),
      });
      if (!res.ok) return undefined;
      return ((await res.json()) as { value?: string }).value;
    } catch {
      return undefined;
    }
  }

  private async request(method: string, url: string, body?: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        ...(body !== undefined ? { body } : {}),
        // Not a request a web page could send to another site: the agent refuses those.
        headers: { "x-grapevine-request": "1" },
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new RuntimeError(`${method} ${url} failed: ${(err as Error).message}`);
    }
    if (!res.ok) throw new RuntimeError(`${method} ${url} answered HTTP ${res.status}`);
  }

  /** Polls every running agent, redraws the matrix, and notes changes when not on a terminal. */
  private async refresh(): Promise<void> {
    await this.view.poll(this.observers());
    const at = `+${formatDuration(Date.now() - this.started)}`;
    if (this.screen.interactive) {
      this.screen.setLive(["", ...this.view.render(true), "", `  ${at}`]);
      return;
    }
    const flat = this.view.flatten();
    const groups = new Map<string, string[]>();
    for (const [k, status] of flat) {
      if (this.lastFlat.get(k) === status) continue;
      const [observer, member] = k.split("\u0000") as [string, string];
      if (observer === member) continue;
      const key = `${member} ${status}`;
      groups.set(key, [...(groups.get(key) ?? []), observer]);
    }
    this.lastFlat = flat;
    for (const [key, observers] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      observers.sort();
      const [member, status] = key.split(" ");
      const who = observers.length === 1 ? `${observers[0]} sees` : `${observers.join(", ")} see`;
      this.screen.log(`    ${at.padStart(7)}  ${who} ${member} ${status}`);
    }
  }

  private checkExits(): void {
    for (const name of this.expected) {
      const a = this.agents.get(name);
      if (a?.exit) {
        throw new RuntimeError(
          `${name} exited unexpectedly (${a.exit.signal ?? `code ${a.exit.code}`}): ${a.lastError()}`,
        );
      }
    }
  }

  /**
   * Runs one step: polls until `done` is true, failing the demo when `limitMs` passes, an agent
   * exits unexpectedly or Ctrl-C is pressed.
   */
  private async step(
    title: string,
    limitMs: number,
    done: () => boolean | Promise<boolean>,
  ): Promise<void> {
    const started = Date.now();
    for (;;) {
      if (this.stop.aborted) throw new Interrupted();
      this.checkExits();
      let finished: boolean;
      try {
        finished = await Promise.race([
          Promise.resolve(done()),
          pause(Math.max(0, limitMs - (Date.now() - started))).then(() => false),
          this.interrupted,
        ]);
      } catch (err) {
        if (err instanceof RuntimeError) {
          throw new RuntimeError(`demo step "${title}" failed: ${err.message}`);
        }
        throw err;
      }
      if (this.stop.aborted) throw new Interrupted();
      await this.refresh();
      if (finished) {
        const ms = Date.now() - started;
        this.steps.push({ title, ms });
        this.screen.log(`  ✔ ${title} (${formatDuration(ms)})`);
        return;
      }
      if (Date.now() - started >= limitMs) {
        throw new RuntimeError(
          `demo step "${title}" did not complete within ${formatDuration(limitMs)}`,
        );
      }
      await pause(POLL_MS);
    }
  }

  private summary(color: boolean): void {
    const total = Date.now() - this.started;
    const rows = this.steps.map((s) => [s.title, formatDuration(s.ms)]);
    rows.push(["total (with process start-up)", formatDuration(total)]);
    const lines = [
      "",
      "Summary",
      ...formatTable(["STEP", "TOOK"], rows)
        .split("\n")
        .map((l) => `  ${l}`),
      "",
      `Membership as each remaining agent sees it (rows: observer, columns: member):`,
      ...this.view.render(color).map((l) => `  ${l}`),
      "",
      `${KILLED} was killed without a word: the others suspected it after missed probes and declared`,
      `it dead when nobody refuted (SWIM + Lifeguard). ${LEAVER} announced its leave, so it shows "left".`,
    ];
    for (const l of lines) this.screen.log(l);
  }

  private keepRunning(): void {
    const cmd = runningFromSources() ? "pnpm grapevine" : "grapevine";
    const lines = [
      "",
      `The cluster keeps running (${this.running().join(", ")}). In another terminal try:`,
    ];
    for (const n of this.running().slice(0, 1)) {
      const http = (this.agents.get(n)?.ready?.http ?? "").replace(/^http:\/\//, "");
      lines.push(
        `  ${cmd} members --http ${http}`,
        `  ${cmd} set color blue --http ${http}`,
        `  ${cmd} kv --http ${http}`,
        `  ${cmd} watch --http ${http}`,
        `  ${cmd} info --http ${http}`,
      );
    }
    for (const n of this.running().slice(1)) {
      const http = (this.agents.get(n)?.ready?.http ?? "").replace(/^http:\/\//, "");
      lines.push(`  ${cmd} members --http ${http}      # as ${n} sees it`);
    }
    lines.push("Press Ctrl-C to stop the agents.");
    for (const l of lines) this.screen.log(l);
  }
}

/**
 * `grapevine demo`: runs the quick start and exits 0, or 1 with the step that failed. With
 * `--keep`, leaves the remaining agents running until Ctrl-C. Every child process is stopped
 * on exit, on failure and on Ctrl-C.
 */
export async function demoCommand(
  options: DemoOptions,
  io: Io,
  stop: AbortSignal,
): Promise<number> {
  const demo = new Demo(io, stop, options);
  try {
    return await demo.run();
  } catch (err) {
    if (err instanceof Interrupted) {
      io.stderr.write("grapevine: demo interrupted; stopping the agents\n");
      return 130;
    }
    throw err;
  } finally {
    await demo.cleanup();
  }
}
