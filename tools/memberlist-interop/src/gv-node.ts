/**
 * One Grapevine node on memberlist's wire in its own process, for the interop scenarios: a
 * `Cluster` started with `wire: "memberlist"` on 127.0.0.1, its events as JSON lines on stdout
 * (with `t`, wall-clock ms, as tools/memberlist-go prints them) and commands as JSON lines on
 * stdin: join, members, tags, event, leave, exit. Its own process so that a test can kill -9 it
 * or stop it with SIGSTOP.
 *
 * Usage: gv-node.ts NAME PRESET [TAGS-JSON] [BASE64-KEY] [LABEL]
 */
import { createInterface } from "node:readline";
import { Cluster, Keyring } from "@grapevine/cluster";

type Preset = "lan" | "wan" | "local";

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...event, t: Date.now() })}\n`);
}

const [name = "gv", preset = "local", tags = "{}", key = "", label = ""] = process.argv.slice(2);
const cluster = await Cluster.start({
  wire: "memberlist",
  name,
  bind: "udp://127.0.0.1:0",
  preset: preset as Preset,
  tags: JSON.parse(tags) as Record<string, string>,
  ...(key ? { keyring: Keyring.fromBase64(key) } : {}),
  ...(label ? { label } : {}),
});
cluster.on("*", (event) => {
  if ("member" in event) {
    const { member } = event;
    emit({ event: event.type, member: member.name, status: member.status, tags: member.tags });
  } else if (event.type === "user-message") {
    const payload = new TextDecoder().decode(event.payload);
    emit({ event: "user", from: event.from, name: event.name, payload });
  }
});
emit({ event: "ready", name, addr: cluster.addresses[0]?.replace("udp://", "") });

createInterface({ input: process.stdin }).on("line", (line) => {
  void (async () => {
    const command = JSON.parse(line) as Record<string, unknown>;
    switch (command.cmd) {
      case "join": {
        const seeds = (command.addrs as string[]).map((a) => `udp://${a}`);
        emit({ event: "joined", answered: await cluster.join(seeds) });
        return;
      }
      case "members":
        emit({
          event: "members",
          members: cluster.members().map((m) => ({
            name: m.name,
            status: m.status,
            tags: m.tags,
            incarnation: String(m.incarnation),
          })),
        });
        return;
      case "tags":
        try {
          cluster.setTags(command.tags as Record<string, string>);
          emit({ event: "tags-set" });
        } catch (err) {
          const e = err as { name?: string; field?: string; limit?: number };
          emit({ event: "tags-refused", error: e.name, field: e.field, limit: e.limit });
        }
        return;
      case "event":
        cluster.event(String(command.name), String(command.payload));
        return;
      case "counters":
        emit({ event: "counters", drops: cluster.counters.drops, swim: cluster.swimCounters() });
        return;
      case "leave":
        await cluster.leave();
        emit({ event: "left" });
        return;
      case "exit":
        await cluster.shutdown();
        process.exit(0);
    }
  })();
});
