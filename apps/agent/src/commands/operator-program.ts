import type { Command } from "commander";
import type { Io } from "../io.js";
import { httpOption } from "./client-options.js";
import {
  eventCommand,
  forceLeaveCommand,
  joinCommand,
  queryCommand,
  reachabilityCommand,
  rttCommand,
} from "./operator.js";

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Registers the operator's verbs on the `grapevine` program: `join`, `event`, `query`,
 * `force-leave`, `reachability` and `rtt` (Serf's commands of the same names).
 */
export function addOperatorCommands(
  program: Command,
  io: Io,
  setCode: (code: number) => void,
): void {
  program
    .command("join")
    .description("join the cluster through these addresses now (prints why each failed seed did)")
    .argument("<address...>", "gossip addresses: udp://HOST:PORT, ws://...")
    .addOption(httpOption())
    .action(async (addresses: string[], opts) => setCode(await joinCommand(addresses, opts, io)));

  program
    .command("event")
    .description("send a user event to every member (delivered to watch and /v1/events)")
    .argument("<name>")
    .argument("[payload]")
    .option(
      "--coalesce",
      "let receivers coalesce it: of a burst of events of this name, only the newest is delivered",
    )
    .addOption(httpOption())
    .action(async (name: string, payload: string | undefined, opts) =>
      setCode(await eventCommand(name, payload, opts, io)),
    );

  program
    .command("query")
    .description("send a query; prints each member's answer as it arrives, then a summary")
    .argument("<name>", "the query name (ping is built in; agents answer those in their config)")
    .argument("[payload]")
    .option(
      "--tag <key=regex>",
      "only members whose tag KEY matches REGEX answer, repeatable",
      collect,
    )
    .option("--node <name>", "only this member answers, repeatable", collect)
    .option("--timeout <duration>", "how long to wait for answers (default: from the cluster size)")
    .option("--no-ack", "do not ask members to ack")
    .option("--json", "one JSON object per line")
    .addOption(httpOption())
    .action(async (name: string, payload: string | undefined, opts) =>
      setCode(await queryCommand(name, payload, { ...opts, noAck: opts.ack === false }, io)),
    );

  program
    .command("force-leave")
    .description("move a failed member to left on every member")
    .argument("<name>")
    .option("--prune", "and forget it at once")
    .addOption(httpOption())
    .action(async (name: string, opts) => setCode(await forceLeaveCommand(name, opts, io)));

  program
    .command("reachability")
    .description("ping every member by query and report who did not answer (exit 1 if any)")
    .option("--json", "print JSON")
    .addOption(httpOption())
    .action(async (opts) => setCode(await reachabilityCommand(opts, io)));

  program
    .command("rtt")
    .description(
      "estimated round-trip time between two members, from their network coordinates (B: this agent)",
    )
    .argument("<a>", "a member's name")
    .argument("[b]", "another member's name (default: the agent's own)")
    .option("--json", "print JSON")
    .addOption(httpOption())
    .action(async (a: string, b: string | undefined, opts) =>
      setCode(await rttCommand(a, b, opts, io)),
    );
}
