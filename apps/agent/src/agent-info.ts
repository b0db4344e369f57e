import type { Cluster } from "@grapevine/cluster";
import type { AgentConfig } from "./config.js";
import type { BoundTransport } from "./transports.js";
import { AGENT_VERSION } from "./version.js";

/** What `GET /v1/info` is made from. */
export interface InfoSource {
  readonly cluster: Cluster;
  readonly config: AgentConfig;
  readonly generation: number;
  /** Wall-clock start time, ms. */
  readonly startedAt: number;
  readonly transports: readonly BoundTransport[];
  readonly httpUrl: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly keyringFile: string | undefined;
  /** Tokens accepted now; null without a token file. */
  readonly tokens: number | null;
  /** Snapshots written; undefined without a data dir. */
  readonly snapshotWrites: number | undefined;
  /** The agent's event index (X-Grapevine-Index). */
  readonly eventIndex: number;
}

/**
 * Everything `GET /v1/info` and `grapevine info` report: identity, health (the Lifeguard score
 * and the health state: healthy, degraded or isolated), members by status, configuration and
 * counters.
 */
export function agentInfo(p: InfoSource): Record<string, unknown> {
  const c = p.cluster;
  const counts: Record<string, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  for (const m of c.members()) counts[m.status] = (counts[m.status] ?? 0) + 1;
  return {
    name: c.name,
    version: AGENT_VERSION,
    status: c.status,
    generation: p.generation,
    addresses: c.addresses,
    listening: p.transports.map((t) => t.listening ?? t.transport.address),
    http: p.httpUrl,
    startedAt: new Date(p.startedAt).toISOString(),
    uptimeMs: Date.now() - p.startedAt,
    health: c.health(),
    healthState: c.healthState(),
    members: counts,
    tags: p.tags,
    keys: c.entries().length,
    keyring:
      c.keyring === undefined
        ? null
        : { primary: c.keyring.primary, installed: c.keyring.list().map((k) => k.fingerprint) },
    config: {
      preset: p.config.preset,
      wire: p.config.wire,
      join: p.config.join,
      joinTimeoutMs: p.config.joinTimeoutMs,
      dataDir: p.config.dataDir ?? null,
      label: p.config.label ?? null,
      encryption: p.config.encryption,
      keyringFile: p.keyringFile ?? null,
      logLevel: p.config.logLevel,
      httpApi: {
        tls: p.config.http.scheme === "https",
        clientCertificates: p.config.httpSecurity.clientCa !== undefined,
        tokenFile: p.config.httpSecurity.tokenFile?.path ?? null,
        tokens: p.tokens,
        open: p.config.httpSecurity.open,
        allowHosts: p.config.httpSecurity.allowHosts,
        allowOrigins: p.config.httpSecurity.allowOrigins,
        insecure: p.config.httpSecurity.insecure,
      },
      swim: c.config,
    },
    snapshot:
      p.snapshotWrites === undefined
        ? null
        : { dataDir: p.config.dataDir, writes: p.snapshotWrites },
    eventIndex: p.eventIndex,
    counters: { cluster: c.counters, swim: c.swimCounters(), state: c.stateCounters() },
  };
}
