import type { ClusterOptions } from "@grapevine/cluster";
import type { Transport } from "@grapevine/transport";
import type { AgentConfig } from "./config.js";
import { RuntimeError, UsageError } from "./errors.js";
import { httpUrl } from "./http-address.js";
import type { ApiServer } from "./http-server.js";
import type { LoadedKeyring } from "./keyring-file.js";
import type { AgentLogger } from "./logger.js";
import { type AgentSnapshot, readSnapshot } from "./snapshot.js";

/** A snapshot read at start, and what to log about it once logging is due. */
export interface LoadedSnapshot {
  readonly snapshot: AgentSnapshot | undefined;
  readonly log: (logger: AgentLogger) => void;
}

/** Reads the data dir's snapshot, if it has one of this node. */
export function loadSnapshot(config: AgentConfig): LoadedSnapshot {
  const dataDir = config.dataDir;
  if (dataDir === undefined) return { snapshot: undefined, log: () => undefined };
  const read = readSnapshot(dataDir);
  if (read.kind === "missing") {
    return {
      snapshot: undefined,
      log: (logger) => logger.info({ dataDir }, "no snapshot yet; starting fresh"),
    };
  }
  if (read.kind === "corrupt") {
    return {
      snapshot: undefined,
      log: (logger) =>
        logger.warn(
          { dataDir, reason: read.reason },
          "snapshot is unreadable or corrupt; ignoring it and starting fresh",
        ),
    };
  }
  if (read.snapshot.name !== config.name || read.snapshot.state.owner !== config.name) {
    return {
      snapshot: undefined,
      log: (logger) =>
        logger.warn(
          { dataDir, snapshotName: read.snapshot.name },
          "snapshot belongs to another node name; ignoring it and starting fresh",
        ),
    };
  }
  return { snapshot: read.snapshot, log: () => undefined };
}

/** Binds the HTTP API's server; one-line errors naming `--http`. */
export function listen(server: ApiServer, config: AgentConfig): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = httpUrl(config.http);
      if (err.code === "EADDRINUSE") {
        reject(new RuntimeError(`cannot listen on ${where}: address already in use`));
      } else if (err.code === "EACCES") {
        reject(new RuntimeError(`cannot listen on ${where}: permission denied`));
      } else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") {
        reject(new UsageError(`--http ${where}: no such local address`));
      } else {
        reject(new RuntimeError(`cannot listen on ${where}: ${err.message}`));
      }
    };
    server.once("error", onError);
    server.listen({ host: config.http.host, port: config.http.port, exclusive: true }, () => {
      server.off("error", onError);
      const a = server.address();
      resolve(typeof a === "object" && a !== null ? a.port : config.http.port);
    });
  });
}

/** The cluster member's options from the agent's configuration. */
export function clusterOptions(
  config: AgentConfig,
  transports: Transport[],
  keyring: LoadedKeyring,
  generation: number,
): ClusterOptions {
  return {
    name: config.name,
    transports,
    preset: config.preset,
    wire: config.wire,
    swim: config.swim,
    tags: config.tags,
    generation,
    ...(config.deadOwnerGraceMs !== undefined
      ? { deadOwnerGraceMs: Math.round(config.deadOwnerGraceMs) }
      : {}),
    ...(config.label !== undefined ? { label: config.label } : {}),
    ...(keyring.keyring !== undefined && config.encryption !== "off"
      ? { keyring: keyring.keyring, encryption: config.encryption }
      : {}),
  };
}
