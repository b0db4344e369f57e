import { createSocket, type Socket as DgramSocket } from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { createServer, isIP, type Server, type Socket } from "node:net";
import { listeningPort, TransportError, whenListening } from "@grapevine/transport";
import { errnoOf, toTransportError } from "./socket-errors.js";

/** A TCP listener and a UDP socket bound to the same IP and port number. */
export interface BoundSockets {
  readonly server: Server;
  readonly udp: DgramSocket;
  /** The port both are bound to (the real one when port 0 was asked for). */
  readonly port: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
}

/** Most host names {@link lookupLiteral} remembers the IP family of. */
const FAMILY_CACHE_LIMIT = 1024;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The UDP socket's name resolver. `node:dgram` resolves every destination, an IP literal too,
 * with `dns.lookup`, which answers a literal one tick later: each datagram sent costs a deferred
 * call and a regular-expression match. This one answers a literal at once (the family of each
 * host is remembered) and passes a name to `dns.lookup` as before.
 */
export function lookupLiteral(): (
  host: string,
  options: LookupOneOptions,
  callback: LookupCallback,
) => void {
  const families = new Map<string, number>();
  // `options` is the family number (4 or 6) in Node's dgram, whatever the typings say; both forms
  // go to `dns.lookup` as they came.
  return (host, options, callback) => {
    let literal = families.get(host);
    if (literal === undefined) {
      if (families.size >= FAMILY_CACHE_LIMIT) families.clear();
      literal = isIP(host);
      families.set(host, literal);
    }
    if (literal !== 0) callback(null, host, literal);
    else dnsLookup(host, options, callback);
  };
}

/** How many times a port-0 bind retries when UDP finds TCP's free port taken. */
const PORT_ZERO_ATTEMPTS = 8;

async function listenTcp(server: Server, host: string, port: number): Promise<number> {
  // `ipv6Only: false` makes `::` dual-stack, so IPv4 peers reach a node bound to `[::]`.
  await whenListening(server, () =>
    server.listen({ host, port, ipv6Only: false, exclusive: true }),
  );
  return listeningPort(server, port);
}

function bindUdpSocket(udp: DgramSocket, host: string, port: number): Promise<void> {
  return whenListening(udp, () => udp.bind({ address: host, port, exclusive: true }));
}

function closeQuietly(server: Server, udp: DgramSocket | undefined): void {
  server.close();
  try {
    udp?.close();
  } catch {
    // Already closed: nothing to free.
  }
}

/**
 * Binds a TCP listener and a UDP socket to `host:port` (an IP literal). Port 0 lets TCP pick a
 * free port and binds UDP to the same number, retrying a few times when another process holds
 * that UDP port. Rejects with `TransportError` `address-in-use`, `access-denied` or
 * `invalid-address`.
 *
 * @param onConnection receives every accepted TCP connection from the moment TCP listens.
 */
export async function bindSockets(
  host: string,
  port: number,
  onConnection: (socket: Socket) => void,
): Promise<BoundSockets> {
  const family = isIP(host);
  if (family !== 4 && family !== 6) {
    throw new TransportError("invalid-address", `bind host ${JSON.stringify(host)} is not an IP`);
  }
  const attempts = port === 0 ? PORT_ZERO_ATTEMPTS : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const server = createServer({ allowHalfOpen: true }, onConnection);
    let tcpPort: number;
    try {
      tcpPort = await listenTcp(server, host, port);
    } catch (err) {
      server.close();
      throw toTransportError(err, `cannot listen on TCP ${host}:${port}`, "address-in-use");
    }
    const udp = createSocket({
      type: family === 6 ? "udp6" : "udp4",
      ipv6Only: false,
      lookup: lookupLiteral(),
    });
    try {
      await bindUdpSocket(udp, host, tcpPort);
    } catch (err) {
      closeQuietly(server, udp);
      lastError = err;
      if (port === 0 && errnoOf(err) === "EADDRINUSE") continue;
      throw toTransportError(err, `cannot bind UDP ${host}:${tcpPort}`, "address-in-use");
    }
    return { server, udp, port: tcpPort, family };
  }
  throw toTransportError(
    lastError,
    `no port free for both TCP and UDP on ${host} after ${attempts} tries`,
    "address-in-use",
  );
}
