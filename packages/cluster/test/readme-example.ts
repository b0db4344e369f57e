import { Cluster } from "@grapevine/cluster";
import { bindUdp } from "@grapevine/transport-udp";

const a = await Cluster.start({
  name: "a",
  transports: [await bindUdp({ bind: "udp://127.0.0.1:0" })],
  preset: "local",
  tags: { role: "web" },
});
const b = await Cluster.start({
  name: "b",
  transports: [await bindUdp({ bind: "udp://127.0.0.1:0" })],
  preset: "local",
});

b.on("member-joined", (e) => console.log(`b sees ${e.member.name} (${e.member.tags.role ?? "-"})`));
b.on("key-changed", (e) =>
  console.log(`b: ${e.owner}/${e.key} = ${e.newValue && new TextDecoder().decode(e.newValue)}`),
);

// Resolves when a's "version" reaches b (no sleeping: wait for the event itself).
const versionArrived = new Promise((resolve) =>
  b.on("key-changed", (e) => {
    if (e.owner === "a" && e.key === "version") resolve(e.newValue);
  }),
);

await b.join(a.addresses); // resolves with the number of seeds that answered
a.set("version", "1.2.3"); // spreads to every member

await versionArrived;
console.log(b.members().map((m) => `${m.name}:${m.status}`)); // [ 'b:alive', 'a:alive' ]
console.log(b.getText("version", "a")); // 1.2.3

await a.leave(); // peers report "left", not "dead"
await b.shutdown();
