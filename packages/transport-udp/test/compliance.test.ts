import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { runTransportCompliance } from "@grapevine/transport-compliance";
import { bindUdp } from "../src/index.js";

/** A loopback port free for both TCP and UDP at the moment of asking (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const udp = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(port, "127.0.0.1", resolve);
  });
  await new Promise<void>((resolve) => udp.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

runTransportCompliance("udp transport (loopback IPv4)", {
  create: () => bindUdp({ bind: "udp://127.0.0.1:0" }),
  createAt: (address) => bindUdp({ bind: address }),
  addressOfNobody: async () => `udp://127.0.0.1:${await freePort()}`,
  // Real UDP may drop datagrams even on loopback (full socket buffers).
  lossy: true,
  dialTimeoutMs: 1000,
});
