import { type ChildProcess, spawn } from "node:child_process";
import type { Cluster, IncomingQuery } from "@grapevine/cluster";
import type { AgentLogger } from "./logger.js";
import type { QueryHandlerConfig } from "./query-handler-config.js";

/** How a handler's run ended (the `result` label of `grapevine_query_handler_runs_total`). */
export type QueryHandlerResult =
  | "answered"
  | "no-output"
  | "failed"
  | "timeout"
  | "too-large"
  | "busy";

/** Commands that may run at once; a query arriving beyond that is not answered (`busy`). */
export const MAX_CONCURRENT_HANDLERS = 16;
/** Bytes of a failing command's standard error kept for the log line. */
const STDERR_LOG_BYTES = 512;

/** What {@link QueryHandlers} needs from the agent. */
export interface QueryHandlersHost {
  readonly cluster: Cluster;
  readonly logger: AgentLogger;
  /** Counts one run by query name and result. */
  readonly counted: (name: string, result: QueryHandlerResult) => void;
}

/**
 * The agent's configured query handlers (`queryHandlers`): each answers the queries of its name
 * by running its command, Serf's event-handler model. The payload is written to the command's
 * standard input; `GRAPEVINE_EVENT=query`, `GRAPEVINE_QUERY_NAME`, `GRAPEVINE_QUERY_ORIGIN` and
 * `GRAPEVINE_SELF_NAME` are set in its environment; its standard output is the answer when it
 * exits 0 within the time limit with at most `maxOutputBytes` of output. A command that fails,
 * runs too long (killed, with the processes it started) or says too much (killed) answers
 * nothing; the query's summary shows this member as not responding, and the agent logs why.
 */
export class QueryHandlers {
  private unregister: Array<() => void> = [];
  private readonly running = new Set<ChildProcess>();

  constructor(private readonly host: QueryHandlersHost) {}

  /** Answers with `handlers` from now on, in place of the ones before (SIGHUP reload). */
  use(handlers: readonly QueryHandlerConfig[]): void {
    for (const off of this.unregister) off();
    this.unregister = handlers.map((h) => this.host.cluster.onQuery(h.name, (q) => this.run(h, q)));
  }

  /** Stops answering and kills the commands still running. */
  close(): void {
    this.use([]);
    for (const child of this.running) killGroup(child);
  }

  /** Runs `handler` for query `q`: its answer, or `undefined` for none. */
  run(handler: QueryHandlerConfig, q: IncomingQuery): Promise<Uint8Array | undefined> {
    const { logger, cluster } = this.host;
    const done = (result: QueryHandlerResult, fields: Record<string, unknown> = {}) => {
      this.host.counted(handler.name, result);
      if (result !== "answered" && result !== "no-output") {
        logger.warn(
          { query: handler.name, from: q.origin, result, ...fields },
          "query handler answered nothing",
        );
      }
    };
    if (this.running.size >= MAX_CONCURRENT_HANDLERS) {
      done("busy", { running: this.running.size });
      return Promise.resolve(undefined);
    }
    const [file, args] =
      typeof handler.command === "string"
        ? ["/bin/sh", ["-c", handler.command]]
        : [handler.command[0]!, handler.command.slice(1)];
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        stdio: ["pipe", "pipe", "pipe"],
        // Its own process group, so a timeout kills what a shell started too.
        detached: true,
        env: {
          ...process.env,
          GRAPEVINE_EVENT: "query",
          GRAPEVINE_QUERY_NAME: q.name,
          GRAPEVINE_QUERY_ORIGIN: q.origin,
          GRAPEVINE_SELF_NAME: cluster.name,
        },
      });
    } catch (err) {
      done("failed", { err: (err as Error).message });
      return Promise.resolve(undefined);
    }
    this.running.add(child);
    return new Promise((resolve) => {
      const out: Buffer[] = [];
      let outBytes = 0;
      let stderr = "";
      let settled = false;
      const finish = (
        answer: Uint8Array | undefined,
        result: QueryHandlerResult,
        fields: Record<string, unknown> = {},
      ) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.running.delete(child);
        done(result, fields);
        resolve(answer);
      };
      const timer = setTimeout(() => {
        killGroup(child);
        finish(undefined, "timeout", { timeoutMs: handler.timeoutMs });
      }, handler.timeoutMs);
      child.stdout?.on("data", (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes > handler.maxOutputBytes) {
          killGroup(child);
          finish(undefined, "too-large", { limit: handler.maxOutputBytes, atLeast: outBytes });
          return;
        }
        out.push(chunk);
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        if (stderr.length < STDERR_LOG_BYTES) stderr += chunk.toString("utf8");
      });
      child.on("error", (err) => finish(undefined, "failed", { err: err.message }));
      child.on("close", (code, signal) => {
        if (code !== 0) {
          const fields = { exitCode: code, signal, stderr: stderr.slice(0, STDERR_LOG_BYTES) };
          finish(undefined, "failed", fields);
        } else if (outBytes === 0) finish(undefined, "no-output");
        else finish(new Uint8Array(Buffer.concat(out)), "answered");
      });
      // A command that does not read its input must not fail the run (EPIPE).
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(Buffer.from(q.payload));
    });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
