import { runTransportCompliance } from "@grapevine/transport-compliance";
import { MemoryNetwork } from "@grapevine/transport-memory";

const network = new MemoryNetwork({ latency: { meanMs: 1, jitterMs: 1 } });
let n = 0;
runTransportCompliance("memory transport", {
  create: () => network.bind(`mem://node-${++n}`),
  createAt: (address) => network.bind(address),
  addressOfNobody: () => "mem://nobody",
  dialTimeoutMs: 500,
});
