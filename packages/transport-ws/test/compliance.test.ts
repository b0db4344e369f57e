import { runTransportCompliance } from "@grapevine/transport-compliance";
import { bindWs } from "../src/index.js";
import { freePort } from "./free-port.js";
import { testTls } from "./tls-fixture.js";

runTransportCompliance("ws transport (loopback)", {
  create: () => bindWs({ listen: "ws://127.0.0.1:0/gossip" }),
  createAt: (address) => bindWs({ listen: address }),
  addressOfNobody: async () => `ws://127.0.0.1:${await freePort()}/gossip`,
  dialTimeoutMs: 1000,
});

runTransportCompliance("wss transport (loopback, test certificate)", {
  create: () => bindWs({ listen: "wss://127.0.0.1:0/gossip", tls: testTls }),
  createAt: (address) => bindWs({ listen: address, tls: testTls }),
  addressOfNobody: async () => `wss://127.0.0.1:${await freePort()}/gossip`,
  dialTimeoutMs: 1000,
});
