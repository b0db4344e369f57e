import { Option } from "commander";
import { AgentClient } from "../client.js";
import { parseHttpAddress } from "../http-address.js";
import type { Io } from "../io.js";

/** Default address of the agent's HTTP API. */
export const DEFAULT_HTTP = "127.0.0.1:7950";

/** The `--http` option every client command takes. */
export function httpOption(): Option {
  return new Option(
    "--http <host:port>",
    `the agent's HTTP API (default: $GRAPEVINE_HTTP or ${DEFAULT_HTTP})`,
  );
}

/** A client for the agent named by `--http`, `GRAPEVINE_HTTP` or the default. */
export function clientFor(options: { http?: string }, io: Io): AgentClient {
  if (options.http !== undefined) return new AgentClient(parseHttpAddress(options.http, "--http"));
  const fromEnv = io.env.GRAPEVINE_HTTP;
  if (fromEnv) return new AgentClient(parseHttpAddress(fromEnv, "GRAPEVINE_HTTP"));
  return new AgentClient(parseHttpAddress(DEFAULT_HTTP, "--http"));
}
