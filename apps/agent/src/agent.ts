import { Cluster, type ClusterEvent } from "@grapevine/cluster";
import { clusterOptions, listen, loadSnapshot } from "./agent-boot.js";
import { agentInfo } from "./agent-info.js";
import { type JoinContext, joinNow, startJoining } from "./agent-join.js";
import { restoreSnapshot, takeSnapshot } from "./agent-snapshot.js";
import type { AgentConfig } from "./config.js";
import { DataDirLock } from "./data-dir-lock.js";
import { formatDuration } from "./duration.js";
import { RuntimeError, UsageError } from "./errors.js";
import { EventCoalescer } from "./event-coalescer.js";
import { EventLog } from "./event-log.js";
import { HttpApi } from "./http-api.js";
import { HttpGuard } from "./http-guard.js";
import {
  type ApiServer,
  apiUrl,
  createApiServer,
  logApiExposure,
  TokenStore,
} from "./http-server.js";
import type { JoinOutcome } from "./join.js";
import {
  type KeyOpError,
  type KeyOpName,
  type KeyOpOptions,
  type KeyOpReport,
  KeyOps,
} from "./key-ops.js";
import { type LoadedKeyring, loadKeyring, writeKeyringFile } from "./keyring-file.js";
import { LogHub } from "./log-hub.js";
import type { AgentLogger } from "./logger.js";
import { type AgentMetrics, createMetrics } from "./metrics.js";
import type { JoinReport } from "./operator.js";
import { QueryHandlers } from "./query-handlers.js";
import { RateLimiter } from "./rate-limit.js";
import { type LookupAll, systemLookup } from "./seed-resolver.js";
import { removeStaleSnapshotTemps } from "./snapshot.js";
import { SnapshotWriter } from "./snapshot-writer.js";
import { startSelfSamples } from "./telemetry.js";
import { type BoundTransport, bindTransports, closeTransports } from "./transports.js";
import { eventKind, eventView } from "./views.js";

/** Options of {@link Agent.start} beyond the configuration. */
export interface AgentStartOptions {
  /** Resolves seed host names (default: the system resolver); tests inject a fake one. */
  readonly lookup?: LookupAll;
  /** Where the agent's logger also hands its lines, for `GET /v1/monitor` (see `createLogger`). */
  readonly logs?: LogHub;
}

/**
 * The reference agent: one cluster member with its transports, its HTTP API and metrics, and
 * snapshots in its data dir. {@link Agent.start} binds everything and starts joining;
 * {@link Agent.leave} leaves gracefully; {@link Agent.close} stops the HTTP API.
 */
export class Agent {
  /** Resolves when the cluster has left or stopped and the agent should exit. */
  readonly finished: Promise<void>;
  /** How joining ended (joining runs in the background after start). */
  joined: Promise<JoinOutcome> = Promise.resolve({ kind: "aborted" });

  /** Every state-changing event, numbered (SSE ids, blocking reads, `X-Grapevine-Index`). */
  readonly events = new EventLog();
  private readonly api: HttpApi;
  private readonly stopSamples: () => void;
  private readonly metrics: AgentMetrics;
  /** Received user events sent with `coalesce`, held until their burst ends. */
  private readonly coalescer: EventCoalescer<ClusterEvent>;
  private readonly writer: SnapshotWriter | undefined;
  private readonly keyOps: KeyOps;
  private readonly queryHandlers: QueryHandlers;
  private readonly keyringFile: string | undefined;
  private readonly joinAbort = new AbortController();
  private readonly startedAt = Date.now();
  private currentTags: Record<string, string>;
  /** Join seeds configured so far (SIGHUP joins through new ones). */
  private readonly seedsJoined: Set<string>;
  private writing = true;
  private leaving: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private finish!: () => void;

  private constructor(
    readonly config: AgentConfig,
    readonly cluster: Cluster,
    readonly transports: readonly BoundTransport[],
    private readonly server: ApiServer,
    /** `http://host:port` (or `https://`) of the API, with the real port. */
    readonly httpUrl: string,
    private readonly tokens: TokenStore,
    readonly generation: number,
    private readonly logger: AgentLogger,
    keyring: LoadedKeyring,
    private readonly lock: DataDirLock | undefined,
    private readonly seeds: { readonly lookup: LookupAll },
    private readonly logs: LogHub,
  ) {
    this.finished = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.currentTags = { ...config.tags };
    this.seedsJoined = new Set(config.join);
    this.metrics = createMetrics(cluster, transports);
    this.stopSamples = startSelfSamples(cluster);
    this.coalescer = new EventCoalescer((event, coalesced) => this.record(event, coalesced));
    this.queryHandlers = new QueryHandlers({
      cluster,
      logger,
      counted: (name, result) => this.metrics.queryHandlerRuns(name, result),
    });
    this.queryHandlers.use(config.queryHandlers);
    this.keyringFile = keyring.file;
    this.keyOps = new KeyOps({
      cluster,
      keyring: cluster.keyring,
      encryption: config.encryption,
      logger,
      persist: () => {
        if (this.keyringFile === undefined || cluster.keyring === undefined) return false;
        writeKeyringFile(this.keyringFile, cluster.keyring);
        return true;
      },
    });
    const sec = config.httpSecurity;
    const guard = new HttpGuard({
      scheme: config.http.scheme ?? "http",
      bindHost: config.http.host,
      port: () => {
        const a = server.address();
        return typeof a === "object" && a !== null ? a.port : config.http.port;
      },
      allowHosts: sec.allowHosts,
      allowOrigins: sec.allowOrigins,
      openPaths: new Set(sec.open),
      tokens: () => tokens.current(),
    });
    this.api = new HttpApi(
      {
        cluster,
        registry: this.metrics.registry,
        events: this.events,
        logs,
        info: () => this.info(),
        join: (seeds) => this.joinNow(seeds),
        sendEvent: (name, payload, coalesce) => this.sendEvent(name, payload, coalesce),
        countQuery: () => this.metrics.queriesSent.inc(),
        tags: () => this.currentTags,
        setTags: (tags) => {
          this.currentTags = { ...tags };
          cluster.setTags(this.currentTags);
        },
        afterLocalWrite: () => this.writer?.flush(),
        leave: () => this.leave(),
        keyOp: (op, key, options) => this.keyOp(op, key, options),
      },
      {
        guard,
        writeLimiter: new RateLimiter(sec.limits.writesPerSecond, sec.limits.writeBurst),
        maxBodyBytes: sec.limits.maxBodyBytes,
        ui: config.ui,
        audit: (entry) => {
          const { path, method, ...fields } = entry;
          const level = entry.status >= 200 && entry.status < 400 ? "info" : "warn";
          logger[level]({ ...fields }, `api ${method} ${path}`);
        },
      },
    );
    server.on("request", this.api.handle);
    if (config.dataDir !== undefined) {
      const dir = config.dataDir;
      this.writer = new SnapshotWriter({
        dir,
        take: () => takeSnapshot(cluster, this.generation),
        onError: (err) =>
          logger.warn({ dataDir: dir, err: (err as Error).message }, "could not write snapshot"),
      });
    }
  }

  /**
   * Locks the data dir (see {@link DataDirLock}), binds the transports and the HTTP API, starts
   * the cluster member, restores the snapshot and starts joining (through `config.join` and the
   * members the snapshot remembers). Throws {@link UsageError} or {@link RuntimeError} with one
   * line; nothing stays bound and the data dir stays unlocked on failure.
   */
  static async start(
    config: AgentConfig,
    logger: AgentLogger,
    options: AgentStartOptions = {},
  ): Promise<Agent> {
    // First, so that an agent refused the data dir touches nothing else, not even a port.
    const lock =
      config.dataDir === undefined ? undefined : DataDirLock.acquire(config.dataDir, config.name);
    try {
      const removed = config.dataDir === undefined ? [] : removeStaleSnapshotTemps(config.dataDir);
      if (removed.length > 0) logger.info({ removed }, "removed unfinished snapshot writes");
      return await Agent.startLocked(config, logger, lock, options);
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  private static async startLocked(
    config: AgentConfig,
    logger: AgentLogger,
    lock: DataDirLock | undefined,
    options: AgentStartOptions,
  ): Promise<Agent> {
    // Nothing is logged until everything is bound, so that a bad address or an occupied port
    // is the only line on stderr.
    const keyring = loadKeyring(config);
    const tokens = new TokenStore(config.httpSecurity.tokenFile);
    const server = createApiServer(config);
    const transports = await bindTransports(config);
    let port: number;
    try {
      port = await listen(server, config);
    } catch (err) {
      await closeTransports(transports.map((t) => t.transport));
      throw err;
    }
    const loaded = loadSnapshot(config);
    const snapshot = loaded.snapshot;
    const generation = Math.max(
      Date.now(),
      (snapshot?.generation ?? 0) + 1,
      (snapshot?.state.generation ?? 0) + 1,
    );
    let cluster: Cluster;
    try {
      const bound = transports.map((t) => t.transport);
      cluster = Cluster.create(clusterOptions(config, bound, keyring, generation));
    } catch (err) {
      server.close();
      await closeTransports(transports.map((t) => t.transport));
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    if (lock?.tookOver !== undefined) {
      logger.warn(
        { dataDir: config.dataDir, reason: lock.tookOver },
        "took over a stale data dir lock",
      );
    }
    loaded.log(logger);
    keyring.log(logger);
    const url = apiUrl(config, port);
    logApiExposure(config, url, tokens, logger);
    const agent = new Agent(
      config,
      cluster,
      transports,
      server,
      url,
      tokens,
      generation,
      logger,
      keyring,
      lock,
      { lookup: options.lookup ?? systemLookup },
      options.logs ?? new LogHub(),
    );
    await agent.api.ready();
    await cluster.start();
    agent.watchCluster();
    if (snapshot) restoreSnapshot(cluster, snapshot, logger);
    agent.writer?.start();
    agent.writer?.flush();
    agent.joined = startJoining(agent.joinContext(), snapshot);
    return agent;
  }

  /**
   * Reads the API token file again (on SIGHUP): new tokens work and removed ones stop working
   * from the next request on. A bad file is logged and the tokens loaded before stay in force.
   */
  reloadTokens(): void {
    if (this.config.httpSecurity.tokenFile === undefined) {
      this.logger.info("SIGHUP: no API token file to reload");
      return;
    }
    try {
      const count = this.tokens.reload();
      this.logger.info({ tokens: count }, "reloaded the API token file");
    } catch (err) {
      this.logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        "could not reload the API token file; the tokens loaded before stay in force",
      );
    }
  }

  /**
   * Applies what SIGHUP reloads from a fresh configuration: the tags (a set over the metadata
   * limit is refused and logged, the old tags stay), the log level, the join seeds (seeds that
   * are new are joined through at once) and the query handlers. Everything else needs a restart.
   */
  reloadConfig(next: AgentConfig): void {
    try {
      this.cluster.setTags(next.tags);
      this.currentTags = { ...next.tags };
    } catch (err) {
      this.logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        "SIGHUP: tags not reloaded",
      );
    }
    this.queryHandlers.use(next.queryHandlers);
    this.logger.level = next.logLevel;
    const fresh = next.join.filter((seed) => !this.seedsJoined.has(seed));
    for (const seed of next.join) this.seedsJoined.add(seed);
    this.logger.info(
      {
        tags: this.currentTags,
        logLevel: next.logLevel,
        newSeeds: fresh,
        queryHandlers: next.queryHandlers.map((h) => h.name),
      },
      "reloaded tags, log level, join seeds and query handlers",
    );
    if (fresh.length > 0 && this.cluster.status === "running") void this.joinNow(fresh);
  }

  /** The line printed once everything is bound. */
  readyLine(): string {
    const addresses = this.transports.map((t) => t.transport.address).join(", ");
    return `agent ${this.config.name} listening on ${addresses}, http ${this.httpUrl}`;
  }

  /**
   * Leaves the cluster gracefully: stops joining, tells the cluster, waits for the leave to
   * spread, writes the final snapshot and unlocks the data dir. Idempotent. Resolves
   * {@link finished}.
   */
  leave(): Promise<void> {
    this.leaving ??= (async () => {
      this.joinAbort.abort();
      this.logger.info("leaving the cluster");
      const started = Date.now();
      await this.cluster.leave();
      // A second signal may have stopped the agent meanwhile and given up the data dir.
      if (this.writing) this.writer?.flush();
      this.stopWriting();
      this.logger.info({ took: formatDuration(Date.now() - started) }, "left the cluster");
      this.finish();
    })();
    return this.leaving;
  }

  /**
   * Stops without leaving (peers will detect a failure), after writing the snapshot; unlocks the
   * data dir.
   */
  async shutdown(): Promise<void> {
    this.stopSamples();
    this.queryHandlers.close();
    this.joinAbort.abort();
    this.writer?.flush();
    this.writer?.stop();
    await this.cluster.shutdown();
    this.stopWriting();
    this.finish();
  }

  /**
   * Runs a keyring operation on the whole cluster (see {@link KeyOps}). Throws
   * {@link KeyOpError} when it is refused before anything is sent.
   */
  keyOp(op: KeyOpName, key: string | undefined, options: KeyOpOptions): Promise<KeyOpReport> {
    return this.keyOps.run(op, key, options);
  }

  /**
   * Ends event streams, closes the HTTP API (after in-flight answers are sent), stops the cluster
   * member and unlocks the data dir.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.keyOps.close();
      this.queryHandlers.close();
      this.coalescer.close();
      this.api.closeStreams();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      const force = setTimeout(() => this.server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(force);
      await this.cluster.shutdown();
      this.stopWriting();
    })();
    return this.closing;
  }

  /**
   * Joins through `seeds` now, once (`POST /v1/join`): names are resolved, and every seed that
   * did not answer is reported with its cause.
   */
  joinNow(seeds: readonly string[]): Promise<JoinReport> {
    return joinNow(this.joinContext(), seeds);
  }

  /**
   * Sends a user event; with `coalesce`, receivers deliver only the newest of a burst of this
   * name (see {@link EventCoalescer}).
   */
  sendEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    this.cluster.event(name, payload, { coalesce });
    this.metrics.eventsSent.inc();
  }

  /** Everything `GET /v1/info` reports. */
  info(): Record<string, unknown> {
    return agentInfo({
      cluster: this.cluster,
      config: this.config,
      generation: this.generation,
      startedAt: this.startedAt,
      transports: this.transports,
      httpUrl: this.httpUrl,
      tags: this.currentTags,
      keyringFile: this.keyringFile,
      tokens: this.tokens.current()?.size ?? null,
      snapshotWrites: this.writer?.writes,
      eventIndex: this.events.index,
    });
  }

  /** No more snapshot writes: the data dir is free for the next agent. Idempotent. */
  private stopWriting(): void {
    this.writing = false;
    this.writer?.stop();
    this.lock?.release();
  }

  private watchCluster(): void {
    this.cluster.on("*", (event: ClusterEvent) => {
      if (event.type === "user-message") {
        this.metrics.eventsReceived.inc();
        if (event.coalesce === true) {
          this.coalescer.add(event.name, event, event.ltime);
          return;
        }
      }
      this.record(event, 1);
    });
  }

  /** Numbers `event` in the event log (SSE, watch, blocking reads) and logs what it says. */
  private record(event: ClusterEvent, coalesced: number): void {
    const view = eventView(event);
    if (coalesced > 1) view.coalesced = coalesced;
    this.events.append(String(view.type), eventKind(event), view);
    if (event.type === "key-changed") {
      if (event.owner === this.cluster.name) this.writer?.changed();
      this.logger.debug(
        { node: event.owner, key: event.key, version: event.version },
        event.newValue === undefined ? "key deleted" : "key changed",
      );
      return;
    }
    if (event.type === "user-message") return;
    if (event.type === "shared-changed") {
      this.writer?.changed();
      this.logger.debug({ key: event.key, writer: event.writer }, "shared key changed");
      return;
    }
    if (event.type === "health-changed") {
      const level = event.state === "isolated" ? "warn" : "info";
      this.logger[level]({ state: event.state, previous: event.previous }, "health changed");
      return;
    }
    this.writer?.changed();
    if (event.member.local) return;
    const what = event.type.replace("member-", "member ");
    const level = event.type === "member-suspect" || event.type === "member-dead" ? "warn" : "info";
    this.logger[level]({ member: event.member.name, addresses: event.member.addresses }, what);
  }

  private joinContext(): JoinContext {
    return {
      cluster: this.cluster,
      config: this.config,
      logger: this.logger,
      lookup: this.seeds.lookup,
      signal: this.joinAbort.signal,
    };
  }
}
