import type { AddressInfo } from "node:net";
import { connect, createServer, type Socket } from "node:net";

/** A loopback port held unused by {@link unusedPort}. */
export interface UnusedPort {
  readonly port: number;
  /** Lets the port go. */
  release(): void;
}

/**
 * A loopback port that nobody listens on, and that nobody can take while it is held: it is the
 * local end of an outgoing TCP connection, which the kernel neither hands to a `bind(0)` nor lets
 * anyone `listen` on, and a dial to it is refused. A port bound and then released ("free a moment
 * ago") promises nothing: any test binding port 0 meanwhile may get it.
 *
 * UDP ports are a separate space: the UDP port of the same number is only unbound. A `bindUdp`
 * transport never takes it, since it binds its TCP port first and UDP to the same number.
 */
export async function unusedPort(host = "127.0.0.1"): Promise<UnusedPort> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  const client = connect((server.address() as AddressInfo).port, host);
  await new Promise<void>((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  const peer = await accepted;
  // Stop listening; the connection, and with it the client's port, stays.
  server.close();
  const ignore = () => {};
  client.on("error", ignore);
  peer.on("error", ignore);
  return {
    port: client.localPort!,
    release() {
      client.destroy();
      peer.destroy();
    },
  };
}

/**
 * A source of held ports for one test file: `next()` holds a new one, `releaseAll()` (for
 * `afterAll`) lets them all go.
 */
export function unusedPorts(host = "127.0.0.1") {
  const held: UnusedPort[] = [];
  return {
    async next(): Promise<number> {
      const p = await unusedPort(host);
      held.push(p);
      return p.port;
    },
    releaseAll(): void {
      for (const p of held.splice(0)) p.release();
    },
  };
}
