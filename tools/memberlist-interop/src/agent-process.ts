import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { childEnv, REPO_ROOT, TS_NODE_ARGS } from "./gv-process.js";

/** One event of an agent's `GET /v1/events` stream. */
export interface AgentEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * A real `grapevine agent --wire memberlist` process (the CLI from its sources), bound to
 * 127.0.0.1 with a free gossip port and a free HTTP port, read through its HTTP API.
 */
export class AgentProcess {
  /** Gossip address `host:port`, and the HTTP API's base URL, from the ready line. */
  address = "";
  http = "";
  private output = "";
  /** The end of the agent's log (stderr), for failure messages. */
  private log = "";
  private readonly streamed: AgentEvent[] = [];
  private readonly abort = new AbortController();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      this.output += t;
    });
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      this.log = (this.log + t).slice(-4_000);
    });
  }

  /** Starts `grapevine agent --wire memberlist … ARGS` and waits for its ready line. */
  static async start(name: string, args: readonly string[]): Promise<AgentProcess> {
    const cli = [...TS_NODE_ARGS, "apps/agent/src/cli.ts", "agent", "--wire", "memberlist"];
    const own = ["--name", name, "--bind", "udp://127.0.0.1:0", "--http", "127.0.0.1:0"];
    const child = spawn(process.execPath, [...cli, ...own, "--log-level", "warn", ...args], {
      cwd: REPO_ROOT,
      env: childEnv(),
      stdio: "pipe",
    });
    const agent = new AgentProcess(name, child);
    const line = await agent.until(
      () => /^agent \S+ listening on udp:\/\/(\S+), http (\S+)$/m.exec(agent.output),
      30_000,
    );
    agent.address = line[1] as string;
    agent.http = line[2] as string;
    void agent.follow();
    return agent;
  }

  /** GET a JSON route. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(this.http + path, { signal: AbortSignal.timeout(5_000) });
    return (await res.json()) as T;
  }

  /** PUT or POST JSON; resolves the status and body. */
  async send(method: "PUT" | "POST", path: string, body: unknown) {
    const res = await fetch(this.http + path, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** The members this agent lists. */
  async members(): Promise<{ name: string; status: string; tags: Record<string, string> }[]> {
    return (
      await this.get<{ members: { name: string; status: string; tags: Record<string, string> }[] }>(
        "/v1/members",
      )
    ).members;
  }

  /** Resolves the first streamed event (seen or to come) matching `predicate`. */
  event(predicate: (e: AgentEvent) => boolean, timeoutMs: number): Promise<AgentEvent> {
    return this.until(() => this.streamed.find(predicate), timeoutMs);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGKILL");
    await exited;
  }

  /** Reads `GET /v1/events` (server-sent events) for as long as the agent runs. */
  private async follow(): Promise<void> {
    try {
      const res = await fetch(`${this.http}/v1/events`, { signal: this.abort.signal });
      const decoder = new TextDecoder();
      let text = "";
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end = text.indexOf("\n\n");
        while (end >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const type = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (type && data) this.streamed.push({ type, data: JSON.parse(data) });
          end = text.indexOf("\n\n");
        }
      }
    } catch {
      // The agent was stopped or killed: the stream ends.
    }
  }

  /** Re-checks `check` as output and events arrive (every 20 ms), up to `timeoutMs`. */
  private async until<T>(check: () => T | null | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== null && value !== undefined) return value;
      if (this.child.exitCode !== null)
        throw new Error(`agent ${this.name} exited: ${this.output}${this.log}`);
      if (Date.now() > deadline)
        throw new Error(`agent ${this.name}: nothing matched in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
