import { Cluster } from "@grapevine/cluster";
import { bindUdp } from "@grapevine/transport-udp";

const start = async (name: string, role: string) =>
  Cluster.start({
    name,
    transports: [await bindUdp({ bind: "udp://127.0.0.1:0" })],
    preset: "local",
    tags: { role },
  });
const [a, b, c] = [await start("a", "db"), await start("b", "web"), await start("c", "web")];
await b.join(a.addresses);
await c.join(a.addresses);

// Every member answers "uptime" queries; a handler may be async.
for (const member of [a, b, c]) member.onQuery("uptime", async () => `${member.name} up`);

// Ask the web members only: answers arrive as they come, then a summary.
const q = a.query("uptime", "", { filter: { tags: { role: "web" } }, requestAck: true });
const answers = [];
for await (const answer of q) {
  if (answer.kind === "response") answers.push(new TextDecoder().decode(answer.payload));
}
const { responded, acked, missing } = await q.summary;
console.log(answers.sort()); // [ 'b up', 'c up' ]
console.log(`answered: ${responded}; acked: ${acked}; missing: ${missing.length}`);

await Promise.all([a, b, c].map((m) => m.shutdown()));
