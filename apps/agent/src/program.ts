import { Command, CommanderError, Option } from "commander";
import { addCredentialOptions, httpOption } from "./commands/client-options.js";
import { infoCommand } from "./commands/info.js";
import { DEFAULT_KEYS_TIMEOUT, keysCommand } from "./commands/keys.js";
import { deleteCommand, getCommand, kvCommand, setCommand } from "./commands/kv.js";
import { leaveCommand } from "./commands/leave.js";
import { membersCommand } from "./commands/members.js";
import { monitorCommand } from "./commands/operator.js";
import { addOperatorCommands } from "./commands/operator-program.js";
import {
  configDeleteCommand,
  configGetCommand,
  configListCommand,
  configSetCommand,
  statsCommand,
} from "./commands/shared.js";
import { tagsDeleteCommand, tagsListCommand, tagsSetCommand } from "./commands/tags.js";
import { watchCommand } from "./commands/watch.js";
import {
  EXIT_FAILURE,
  EXIT_UNREACHABLE,
  EXIT_USAGE,
  errorLine,
  RuntimeError,
  UnreachableError,
  UsageError,
} from "./errors.js";
import type { Io } from "./io.js";
import { AGENT_VERSION } from "./version.js";

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Runs `body` with an AbortSignal that fires on SIGINT or SIGTERM. */
async function untilInterrupted<T>(body: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("grapevine")
    .description(
      "Grapevine agent and client: gossip-based cluster membership, failure detection and per-node key-value state.",
    )
    .version(AGENT_VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .helpCommand(false);

  program
    .command("agent")
    .description("run an agent: one cluster member with its local HTTP API")
    .option("--config <file>", "config file, JSON or YAML (also $GRAPEVINE_CONFIG)")
    .option("--name <name>", "member name, unique in the cluster (default: the host name)")
    .option(
      "--bind <url>",
      "address to listen on, repeatable: udp://IP:PORT, ws://HOST:PORT/PATH, wss://..., ws-client:// (default: udp://127.0.0.1:7946)",
      collect,
    )
    .option("--advertise <url>", "address peers should use, per transport (repeatable)", collect)
    .option("--join <url>", "seed address to join through, repeatable", collect)
    .option(
      "--dead-owner-grace <duration>",
      "keep a failed member's own keys this long: 30s, 5m (default 1h; config keys stay regardless)",
    )
    .option(
      "--join-timeout <duration>",
      "give up joining after this long and exit 1: 5000 (ms), 5s, 1m (default: retry for ever)",
    )
    .option(
      "--join-retry-interval <duration>",
      "longest pause between join attempts; the pause starts at 250ms and doubles up to it (default: 15s)",
    )
    .option(
      "--join-max-attempts <n>",
      "give up joining after this many attempts and exit 1 (default: 0, no limit)",
    )
    .option(
      "--http <host:port>",
      "the local HTTP API: HOST:PORT or https://HOST:PORT (default: 127.0.0.1:7950)",
    )
    .option(
      "--http-token-file <file>",
      'API tokens {"tokens": [{"name", "scope": "read|write|keys", "sha256"}]}; reloaded on SIGHUP',
    )
    .option(
      "--http-insecure",
      "serve a non-loopback --http address with no tokens and no client certificates",
    )
    .option(
      "--http-allow-host <name>",
      "another name the API may be called by (Host header), repeatable",
      collect,
    )
    .option(
      "--http-allow-origin <origin>",
      "a web origin whose pages may call the API (CORS), repeatable",
      collect,
    )
    .option(
      "--http-open <path>",
      "/health, /metrics or none: served without a token, repeatable (default: /health)",
      collect,
    )
    .option("--http-tls-cert <file>", "PEM certificate for --http https://...")
    .option("--http-tls-key <file>", "PEM private key for --http https://...")
    .option(
      "--http-client-ca <file>",
      "PEM CAs: every API client must present a certificate they signed",
    )
    .addOption(
      new Option("--preset <preset>", "failure-detector timing (default: lan)").choices([
        "lan",
        "wan",
        "local",
      ]),
    )
    .option(
      "--wire <wire>",
      "grapevine, or memberlist: speak HashiCorp memberlist's protocol on the udp:// --bind port, to join a Go memberlist cluster (default: grapevine)",
    )
    .option("--tag <key=value>", "node metadata advertised to the cluster, repeatable", collect)
    .option("--data-dir <dir>", "keep snapshots here, to rejoin and restore keys after a restart")
    .option("--label <label>", "cluster label: members with another label are ignored")
    .option(
      "--encrypt <key>",
      "seal all gossip with this key: base64 of 16, 24 or 32 bytes (prefer $GRAPEVINE_ENCRYPT or --keyring: command lines are visible to other users)",
    )
    .option(
      "--keyring <file>",
      'keyring file {"keys": [...]}, primary first: read at start, created from --encrypt if missing, rewritten (0600) by key rotations',
    )
    .option(
      "--encryption <mode>",
      "with a key: open-only, accept-plaintext or required (default: required)",
    )
    .addOption(
      new Option("--log-level <level>", "least severe level logged (default: info)").choices([
        "trace",
        "debug",
        "info",
        "warn",
        "error",
        "fatal",
        "silent",
      ]),
    )
    .option("--log-json", "log JSON lines (pino) instead of human lines; both go to stderr")
    .option("--no-ui", "do not serve the web dashboard at /ui/ on the HTTP address")
    .option("--tls-cert <file>", "PEM certificate for wss://")
    .option("--tls-key <file>", "PEM private key for wss://")
    .option("--tls-ca <file>", "PEM CAs to trust when dialing wss:// peers")
    .addHelpText(
      "after",
      "\nFlags override GRAPEVINE_* environment variables, which override the config file.\nOn SIGINT/SIGTERM the agent leaves the cluster gracefully and exits 0; SIGHUP reloads the API token file.",
    )
    .action(async (flags) => {
      // The agent and the demo load the whole runtime; client commands stay quick to start.
      const { agentCommand } = await import("./commands/agent.js");
      setCode(await agentCommand(flags, io));
    });

  program
    .command("members")
    .description("list the members the agent knows")
    .addOption(httpOption())
    .option("--json", "print JSON")
    .addOption(
      new Option("--status <status>", "only members with this status").choices([
        "alive",
        "suspect",
        "dead",
        "left",
      ]),
    )
    .option("--tag <key=regex>", "only members whose tag KEY matches REGEX, repeatable", collect)
    .option("--name <regex>", "only members whose name matches REGEX")
    .action(async (opts) => setCode(await membersCommand(opts, io)));

  program
    .command("validate")
    .description("check a config file: every problem, with its key (exit 2 if any)")
    .argument("<config>", "the config file, JSON or YAML")
    .action(async (path: string) => {
      const { validateCommand } = await import("./commands/validate.js");
      setCode(await validateCommand(path, io));
    });

  addOperatorCommands(program, io, setCode);

  program
    .command("monitor")
    .description("stream the agent's log lines until Ctrl-C")
    .addOption(
      new Option("--level <level>", "least severe level shown (default: info)").choices([
        "trace",
        "debug",
        "info",
        "warn",
        "error",
        "fatal",
      ]),
    )
    .addOption(httpOption())
    .action(async (opts) =>
      setCode(await untilInterrupted((stop) => monitorCommand(opts, io, stop))),
    );

  program
    .command("set")
    .description("set one of the agent's own keys")
    .argument("<key>")
    .argument("<value>")
    .addOption(httpOption())
    .action(async (key: string, value: string, opts) =>
      setCode(await setCommand(key, value, opts, io)),
    );

  program
    .command("delete")
    .description("delete one of the agent's own keys")
    .argument("<key>")
    .addOption(httpOption())
    .action(async (key: string, opts) => setCode(await deleteCommand(key, opts, io)));

  program
    .command("get")
    .description("print a key of NODE (default: the agent's own node)")
    .usage("[options] [node] <key>")
    .argument("<node-or-key>", "the node that owns the key, or the key of the agent's own node")
    .argument("[key]", "the key, when a node is named first")
    .addOption(httpOption())
    .option("--json", "print JSON with the version")
    .action(async (first: string, second: string | undefined, opts) =>
      setCode(await getCommand(first, second, opts, io)),
    );

  program
    .command("kv")
    .description("list every key of every node the agent holds")
    .addOption(httpOption())
    .option("--json", "print JSON")
    .action(async (opts) => setCode(await kvCommand(opts, io)));

  program
    .command("watch")
    .description("stream membership and key events until Ctrl-C")
    .addOption(httpOption())
    .option("--json", "one JSON object per line")
    .action(async (opts) =>
      setCode(await untilInterrupted((stop) => watchCommand(opts, io, stop))),
    );

  const tags = program
    .command("tags")
    .description("list, set or delete the agent's tags (node metadata)")
    .addOption(httpOption())
    .action(async (opts) => setCode(await tagsListCommand(opts, io)));
  tags
    .command("set")
    .description("add or replace tags")
    .argument("<key=value...>")
    .addOption(httpOption())
    .action(async (pairs: string[], _opts, cmd: Command) =>
      setCode(await tagsSetCommand(pairs, cmd.optsWithGlobals(), io)),
    );
  tags
    .command("delete")
    .description("remove tags")
    .argument("<key...>")
    .addOption(httpOption())
    .action(async (keys: string[], _opts, cmd: Command) =>
      setCode(await tagsDeleteCommand(keys, cmd.optsWithGlobals(), io)),
    );

  const keyOptions = (cmd: Command, withForce = false) => {
    cmd
      .addOption(httpOption())
      .option("--json", "print JSON")
      .option(
        "--timeout <duration>",
        `how long to wait for every member to answer (default: ${DEFAULT_KEYS_TIMEOUT})`,
      );
    if (withForce) cmd.option("--force", "skip the check that the whole cluster is ready for it");
    return cmd;
  };
  const keys = keyOptions(
    program
      .command("keys")
      .description(
        "list, install, use or remove encryption keys on every member of the cluster (exit 1 unless all answer)",
      ),
  ).action(async (opts) => setCode(await keysCommand("list", undefined, opts, io)));
  keyOptions(
    keys
      .command("list")
      .description("every key, how many members hold it and how many seal with it (primary)"),
  ).action(async (_opts, cmd: Command) =>
    setCode(await keysCommand("list", undefined, cmd.optsWithGlobals(), io)),
  );
  for (const [op, description, force] of [
    ["install", "install a key on every member (it opens packets; it does not seal yet)", false],
    ["use", "make an installed key the primary on every member: it seals from now on", true],
    ["remove", "remove a key from every member (not the primary)", true],
  ] as const) {
    keyOptions(
      keys
        .command(op)
        .description(description)
        .argument("<key>", "the key, base64; - reads it from standard input"),
      force,
    ).action(async (key: string, _opts, cmd: Command) =>
      setCode(await keysCommand(op, key, cmd.optsWithGlobals(), io)),
    );
  }

  const config = program
    .command("config")
    .description("cluster-scoped configuration: keys any member may write, last writer wins")
    .addOption(httpOption())
    .option("--json", "print JSON")
    .action(async (opts) => setCode(await configListCommand(undefined, opts, io)));
  config
    .command("set")
    .description("write a key everywhere (keys may contain /)")
    .argument("<key>")
    .argument("<value>")
    .addOption(httpOption())
    .action(async (key: string, value: string, _opts, cmd: Command) =>
      setCode(await configSetCommand(key, value, cmd.optsWithGlobals(), io)),
    );
  config
    .command("get")
    .description("print the value alone (exit 1 when the key is absent)")
    .argument("<key>")
    .addOption(httpOption())
    .option("--json", "print JSON")
    .action(async (key: string, _opts, cmd: Command) =>
      setCode(await configGetCommand(key, cmd.optsWithGlobals(), io)),
    );
  config
    .command("delete")
    .description("delete a key everywhere")
    .argument("<key>")
    .addOption(httpOption())
    .action(async (key: string, _opts, cmd: Command) =>
      setCode(await configDeleteCommand(key, cmd.optsWithGlobals(), io)),
    );
  config
    .command("list")
    .description("every key, or those starting with PREFIX")
    .argument("[prefix]")
    .addOption(httpOption())
    .option("--json", "print JSON")
    .action(async (prefix: string | undefined, _opts, cmd: Command) =>
      setCode(await configListCommand(prefix, cmd.optsWithGlobals(), io)),
    );

  program
    .command("stats")
    .description("cluster aggregates of the members' telemetry (all names, or NAME)")
    .argument("[name]")
    .addOption(httpOption())
    .option("--json", "print JSON")
    .action(async (name: string | undefined, opts) => setCode(await statsCommand(name, opts, io)));

  program
    .command("leave")
    .description("make the agent leave the cluster gracefully and exit")
    .addOption(httpOption())
    .action(async (opts) => setCode(await leaveCommand(opts, io)));

  program
    .command("info")
    .description("the agent's configuration, counters and health score")
    .addOption(httpOption())
    .option("--json", "print JSON")
    .action(async (opts) => setCode(await infoCommand(opts, io)));

  program
    .command("demo")
    .description(
      "start 5 agents on loopback and show membership, key spread, failure detection and leave",
    )
    .option("--keep", "keep the remaining agents running until Ctrl-C, to try the client commands")
    .action(async (opts) => {
      const { demoCommand } = await import("./demo/demo-command.js");
      setCode(await untilInterrupted((stop) => demoCommand(opts, io, stop)));
    });

  // Every client command (the ones that take --http to find the agent) also takes credentials.
  const withCredentials = (cmd: Command) => {
    if (cmd.name() !== "agent" && cmd.options.some((o) => o.long === "--http")) {
      addCredentialOptions(cmd);
    }
    for (const sub of cmd.commands) withCredentials(sub);
  };
  withCredentials(program);
  return program;
}

/**
 * Runs the `grapevine` CLI with `argv` (arguments after the program name) and resolves with the
 * exit code: 0 on success, 2 for usage errors, 1 for runtime failures. Errors are printed as one
 * line on stderr, never as a stack trace.
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      const message = err.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
      io.stderr.write(`grapevine: ${message} (see --help)\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`grapevine: ${errorLine(err)}\n`);
    if (err instanceof UsageError) return EXIT_USAGE;
    if (err instanceof UnreachableError) return EXIT_UNREACHABLE;
    if (err instanceof RuntimeError) return EXIT_FAILURE;
    return EXIT_FAILURE;
  }
}
