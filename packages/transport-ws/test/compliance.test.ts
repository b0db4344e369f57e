import { runTransportCompliance } from "@grapevine/transport-compliance";
import { afterAll } from "vitest";
// One helper for every real-socket package: a loopback port held unused (see its doc).
import { unusedPorts } from "../../transport-udp/test/unused-port.js";
import { bindWs } from "../src/index.js";
import { testTls } from "./tls-fixture.js";

// Held, not merely released, so no other test's transport can take the port meanwhile.
const nobody = unusedPorts();
afterAll(() => nobody.releaseAll());

runTransportCompliance("ws transport (loopback)", {
  create: () => bindWs({ listen: "ws://127.0.0.1:0/gossip" }),
  createAt: (address) => bindWs({ listen: address }),
  addressOfNobody: async () => `ws://127.0.0.1:${await nobody.next()}/gossip`,
  dialTimeoutMs: 1000,
});

runTransportCompliance("wss transport (loopback, test certificate)", {
  create: () => bindWs({ listen: "wss://127.0.0.1:0/gossip", tls: testTls }),
  createAt: (address) => bindWs({ listen: address, tls: testTls }),
  addressOfNobody: async () => `wss://127.0.0.1:${await nobody.next()}/gossip`,
  dialTimeoutMs: 1000,
});
