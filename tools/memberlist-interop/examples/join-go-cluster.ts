import { Cluster } from "@grapevine/cluster";

// The address of any node of a running Go memberlist cluster (its BindAddr:BindPort).
const seed = process.env.MEMBERLIST_SEED ?? "udp://127.0.0.1:7946";

const node = await Cluster.start({
  wire: "memberlist",
  name: "node-service-1",
  bind: "udp://127.0.0.1:0",
  preset: "local", // memberlist's DefaultLocalConfig; "lan" is DefaultLANConfig
  tags: { role: "node-service" }, // Go nodes see {"role":"node-service"} as the node's Meta
});
node.on("member-joined", (e) => console.log(`joined: ${e.member.name}`));
node.on("member-dead", (e) => console.log(`failed: ${e.member.name}`));
node.on("user-message", (e) => console.log(`user message: ${new TextDecoder().decode(e.payload)}`));

const answered = await node.join([seed]);
console.log(`${answered} seed answered; ${node.aliveCount()} members alive`);
node.event("hello", "hello from Node.js"); // reaches the Go nodes' NotifyMsg

process.once("SIGTERM", async () => {
  await node.leave(); // Go nodes record it as left, not failed
  process.exit(0);
});
