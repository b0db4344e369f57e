import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { AgentClient, type ClientCredentials } from "../client.js";
import { UsageError } from "../errors.js";
import { type HttpAddress, parseHttpAddress } from "../http-address.js";
import { checkClientToken, readClientToken } from "../http-tokens.js";
import type { Io } from "../io.js";

/** Default address of the agent's HTTP API. */
export const DEFAULT_HTTP = "127.0.0.1:7950";

/** The `--http` option every client command takes. */
export function httpOption(): Option {
  return new Option(
    "--http <host:port>",
    `the agent's HTTP API, HOST:PORT or https://HOST:PORT (default: $GRAPEVINE_HTTP or ${DEFAULT_HTTP})`,
  );
}

/**
 * Adds the credential options (`--token-file`, `--ca-file`, `--client-cert`, `--client-key`)
 * to a client command. There is no `--token` flag: a token on the command line shows in the
 * process list to every user of the host.
 */
export function addCredentialOptions(cmd: Command): Command {
  return cmd
    .option(
      "--token-file <file>",
      "read the API token from FILE (first line) instead of $GRAPEVINE_HTTP_TOKEN",
    )
    .option("--ca-file <file>", "PEM CAs to trust for an https:// agent (also $GRAPEVINE_CA_FILE)")
    .option(
      "--client-cert <file>",
      "PEM client certificate, for an agent that requires one (also $GRAPEVINE_CLIENT_CERT)",
    )
    .option("--client-key <file>", "PEM key of --client-cert (also $GRAPEVINE_CLIENT_KEY)");
}

/** The options of a client command that say which agent to talk to and how. */
export interface ClientOptions {
  readonly http?: string;
  readonly tokenFile?: string;
  readonly caFile?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
}

function readPem(path: string, label: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${label} ${path}: cannot read (${code === "ENOENT" ? "no such file" : (code ?? "unknown error")})`,
    );
  }
}

/** A file given by a flag or, failing that, an environment variable. */
function fileSetting(
  flag: string | undefined,
  flagName: string,
  env: string | undefined,
  envName: string,
): { path: string; label: string } | undefined {
  if (flag !== undefined) return { path: flag, label: flagName };
  if (env) return { path: env, label: envName };
  return undefined;
}

/**
 * Resolves how a client command reaches the agent: the address from `--http`,
 * `GRAPEVINE_HTTP` or the default; the token from `--token-file` or `GRAPEVINE_HTTP_TOKEN`;
 * TLS files from their flags or `GRAPEVINE_CA_FILE`, `GRAPEVINE_CLIENT_CERT`,
 * `GRAPEVINE_CLIENT_KEY`. Throws {@link UsageError} naming the flag or variable at fault.
 */
export function clientSettings(
  options: ClientOptions,
  io: Io,
): { address: HttpAddress; credentials: ClientCredentials } {
  const address =
    options.http !== undefined
      ? parseHttpAddress(options.http, "--http")
      : io.env.GRAPEVINE_HTTP
        ? parseHttpAddress(io.env.GRAPEVINE_HTTP, "GRAPEVINE_HTTP")
        : parseHttpAddress(DEFAULT_HTTP, "--http");
  const credentials: { token?: string; ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  if (options.tokenFile !== undefined) {
    credentials.token = readClientToken(options.tokenFile, "--token-file");
  } else if (io.env.GRAPEVINE_HTTP_TOKEN !== undefined && io.env.GRAPEVINE_HTTP_TOKEN !== "") {
    credentials.token = checkClientToken(io.env.GRAPEVINE_HTTP_TOKEN, "GRAPEVINE_HTTP_TOKEN");
  }
  const ca = fileSetting(
    options.caFile,
    "--ca-file",
    io.env.GRAPEVINE_CA_FILE,
    "GRAPEVINE_CA_FILE",
  );
  const cert = fileSetting(
    options.clientCert,
    "--client-cert",
    io.env.GRAPEVINE_CLIENT_CERT,
    "GRAPEVINE_CLIENT_CERT",
  );
  const key = fileSetting(
    options.clientKey,
    "--client-key",
    io.env.GRAPEVINE_CLIENT_KEY,
    "GRAPEVINE_CLIENT_KEY",
  );
  if ((cert === undefined) !== (key === undefined)) {
    const given = cert ?? key;
    throw new UsageError(`${given?.label}: needs --client-cert and --client-key together`);
  }
  const tls = ca ?? cert;
  if (tls !== undefined && address.scheme !== "https") {
    throw new UsageError(`${tls.label}: only for an https:// agent; use --http https://HOST:PORT`);
  }
  if (ca !== undefined) credentials.ca = readPem(ca.path, ca.label);
  if (cert !== undefined && key !== undefined) {
    credentials.cert = readPem(cert.path, cert.label);
    credentials.key = readPem(key.path, key.label);
  }
  return { address, credentials };
}

/** A client for the agent named by `--http`, `GRAPEVINE_HTTP` or the default, with credentials. */
export function clientFor(options: ClientOptions, io: Io): AgentClient {
  const { address, credentials } = clientSettings(options, io);
  return new AgentClient(address, credentials);
}
