import { hostname } from "node:os";
import { Agent } from "../agent.js";
import { type RawConfig, resolveConfig } from "../config.js";
import { readConfigFile } from "../config-file.js";
import { formatDuration } from "../duration.js";
import { RuntimeError } from "../errors.js";
import type { Io } from "../io.js";
import { LogHub } from "../log-hub.js";
import { createLogger } from "../logger.js";

/** Flags of `grapevine agent` as commander parses them (absent flags are undefined). */
export interface AgentFlags {
  readonly config?: string;
  readonly name?: string;
  readonly bind?: string[];
  readonly advertise?: string[];
  readonly join?: string[];
  readonly joinTimeout?: string;
  readonly deadOwnerGrace?: string;
  readonly joinRetryInterval?: string;
  readonly joinMaxAttempts?: string;
  readonly http?: string;
  readonly preset?: string;
  readonly wire?: string;
  readonly tag?: string[];
  readonly dataDir?: string;
  readonly label?: string;
  readonly encrypt?: string;
  readonly keyring?: string;
  readonly encryption?: string;
  readonly logLevel?: string;
  readonly logJson?: boolean;
  /** False with `--no-ui` (commander's default for a negated flag is true: left to the other layers). */
  readonly ui?: boolean;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly httpTokenFile?: string;
  readonly httpInsecure?: boolean;
  readonly httpAllowHost?: string[];
  readonly httpAllowOrigin?: string[];
  readonly httpOpen?: string[];
  readonly httpTlsCert?: string;
  readonly httpTlsKey?: string;
  readonly httpClientCa?: string;
}

/** Maps parsed flags to the highest-precedence config layer. */
export function flagsLayer(flags: AgentFlags): RawConfig {
  return {
    name: flags.name,
    bind: flags.bind,
    advertise: flags.advertise,
    join: flags.join,
    joinTimeout: flags.joinTimeout,
    deadOwnerGrace: flags.deadOwnerGrace,
    joinRetryInterval: flags.joinRetryInterval,
    joinMaxAttempts: flags.joinMaxAttempts,
    http: flags.http,
    preset: flags.preset,
    wire: flags.wire,
    tags: flags.tag,
    dataDir: flags.dataDir,
    label: flags.label,
    encrypt: flags.encrypt,
    keyring: flags.keyring,
    encryption: flags.encryption,
    logLevel: flags.logLevel,
    logJson: flags.logJson,
    ui: flags.ui === false ? false : undefined,
    tlsCert: flags.tlsCert,
    tlsKey: flags.tlsKey,
    tlsCa: flags.tlsCa,
    httpTokenFile: flags.httpTokenFile,
    httpInsecure: flags.httpInsecure,
    httpAllowHosts: flags.httpAllowHost,
    httpAllowOrigins: flags.httpAllowOrigin,
    httpOpen: flags.httpOpen,
    httpTlsCert: flags.httpTlsCert,
    httpTlsKey: flags.httpTlsKey,
    httpClientCa: flags.httpClientCa,
  };
}

/**
 * `grapevine agent`: resolves the configuration, starts the agent, prints the ready line on
 * stdout and runs until SIGINT/SIGTERM or `POST /v1/leave` (graceful leave, exit 0). A second
 * signal stops at once without waiting for the leave to spread (exit 1). SIGHUP reloads the API
 * token file, the tags, the log level and the join seeds. With `--join`, fails (exit 1) when no seed answers within `--join-timeout`.
 */
export async function agentCommand(flags: AgentFlags, io: Io): Promise<number> {
  const configPath = flags.config ?? io.env.GRAPEVINE_CONFIG;
  const config = resolveConfig({
    flags: flagsLayer(flags),
    env: io.env,
    ...(configPath ? { file: readConfigFile(configPath) } : {}),
    hostname: hostname(),
  });
  const logs = new LogHub();
  const logger = createLogger(config.logLevel, config.logJson, logs);
  const agent = await Agent.start(config, logger, { logs });

  let signals = 0;
  let forced = false;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      logger.info({ signal }, "signal received; leaving gracefully (send again to stop at once)");
      void agent.leave();
    } else {
      logger.warn({ signal }, "second signal; stopping without waiting for the leave to spread");
      forced = true;
      void agent.shutdown();
    }
  };
  const onHangup = () => {
    agent.reloadTokens();
    // Tags, the log level and the join seeds come from the config file (and flags) again.
    try {
      agent.reloadConfig(
        resolveConfig({
          flags: flagsLayer(flags),
          env: io.env,
          ...(configPath ? { file: readConfigFile(configPath) } : {}),
          hostname: hostname(),
        }),
      );
    } catch (err) {
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        "SIGHUP: the configuration is not valid; nothing reloaded",
      );
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onHangup);
  // Ready only once the signals are handled: a SIGHUP sent on seeing this line must not kill us.
  io.stdout.write(`${agent.readyLine()}\n`);
  try {
    const joinFailed = agent.joined.then((outcome) => {
      const gaveUp = outcome.kind === "timeout" || outcome.kind === "attempts-exhausted";
      if (gaveUp && config.join.length > 0) return outcome;
      return new Promise<never>(() => undefined);
    });
    const ended = await Promise.race([agent.finished.then(() => "finished" as const), joinFailed]);
    if (ended !== "finished") {
      await agent.shutdown();
      await agent.close();
      throw new RuntimeError(
        ended.kind === "timeout"
          ? `could not join any of ${config.join.join(", ")} within ${formatDuration(config.joinTimeoutMs)} (${ended.attempts} attempts)`
          : `could not join any of ${config.join.join(", ")} in ${ended.attempts} attempts`,
      );
    }
    await agent.close();
    return forced ? 1 : 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onHangup);
  }
}
