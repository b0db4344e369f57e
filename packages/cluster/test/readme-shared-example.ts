import { Cluster } from "@grapevine/cluster";
import { bindUdp } from "@grapevine/transport-udp";

const a = await Cluster.start({
  name: "a",
  transports: [await bindUdp({ bind: "udp://127.0.0.1:0" })],
  preset: "local",
});
const b = await Cluster.start({
  name: "b",
  transports: [await bindUdp({ bind: "udp://127.0.0.1:0" })],
  preset: "local",
});
await b.join(a.addresses);

// Resolves when the flag reaches b.
const flagArrived = new Promise((resolve) =>
  b.on("shared-changed", (e) => {
    if (e.key === "flags/checkout") resolve(e.newValue);
  }),
);
a.shared.set("flags/checkout", "on"); // any member may write any key; the last write wins
await flagArrived;
console.log(b.shared.getText("flags/checkout")); // on
console.log(b.shared.entries("flags/").map((e) => e.key)); // [ 'flags/checkout' ]

// The flag belongs to the cluster, not to a: it stays when a leaves.
await a.leave();
console.log(b.shared.getText("flags/checkout")); // on

// Telemetry: publish samples; every member aggregates what it holds of live members.
b.stats.publish("queue_depth", 7);
const depth = b.stats.aggregate("queue_depth");
console.log(depth?.count, depth?.max, depth?.nodes); // 1 7 [ 'b' ]

await b.shutdown();
