import type { Io } from "../io.js";
import { type ClientOptions, clientFor } from "./client-options.js";

/** `grapevine leave`: the agent leaves gracefully and exits; returns once the leave has spread. */
export async function leaveCommand(options: ClientOptions, io: Io): Promise<number> {
  const { body } = await clientFor(options, io).request("POST", "/v1/leave", { timeoutMs: 60_000 });
  io.stdout.write(`agent ${(body as { name: string }).name} left the cluster\n`);
  return 0;
}
