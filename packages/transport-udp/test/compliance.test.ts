import { runTransportCompliance } from "@grapevine/transport-compliance";
import { afterAll } from "vitest";
import { bindUdp } from "../src/index.js";
import { unusedPorts } from "./unused-port.js";

// Held, not merely released, so no other test's transport can take the port meanwhile.
const nobody = unusedPorts();
afterAll(() => nobody.releaseAll());

runTransportCompliance("udp transport (loopback IPv4)", {
  create: () => bindUdp({ bind: "udp://127.0.0.1:0" }),
  createAt: (address) => bindUdp({ bind: address }),
  addressOfNobody: async () => `udp://127.0.0.1:${await nobody.next()}`,
  // Real UDP may drop datagrams even on loopback (full socket buffers).
  lossy: true,
  dialTimeoutMs: 1000,
});
