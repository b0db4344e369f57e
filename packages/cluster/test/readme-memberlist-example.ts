import { Cluster } from "@grapevine/cluster";

// memberlist's UDP packets and TCP streams on one port, as a Go memberlist node serves them.
const a = await Cluster.start({
  wire: "memberlist",
  name: "a",
  bind: "udp://127.0.0.1:0",
  preset: "local",
  tags: { role: "api" },
});
const b = await Cluster.start({
  wire: "memberlist",
  name: "b",
  bind: "udp://127.0.0.1:0",
  preset: "local",
});

const heard = new Promise<Uint8Array>((resolve) => a.on("user-message", (e) => resolve(e.payload)));
await b.join(a.addresses); // a Go node's address joins the same way: udp://10.0.0.5:7946
console.log(b.members().map((m) => `${m.name}:${m.status} ${JSON.stringify(m.tags)}`));

b.event("deploy", "v2"); // a memberlist user message: its bytes travel, its name does not
console.log(new TextDecoder().decode(await heard));

try {
  b.setTags({ notes: "x".repeat(600) }); // memberlist carries at most 512 bytes of node meta
} catch (err) {
  console.log((err as Error).message);
}
await a.shutdown();
await b.shutdown();
