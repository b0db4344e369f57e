import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { formatAddress, isUnspecifiedHost } from "@grapevine/protocol";
import { listeningPort, parseAddress, TransportError, whenListening } from "@grapevine/transport";
import { dialOnly, generateClientIdentity } from "./dial-only.js";
import { nodeDialer } from "./node-socket.js";
import { toTransportError } from "./ws-errors.js";
import { resolveSettings, type WsTransportOptions } from "./ws-options.js";
import { serveWs } from "./ws-server.js";
import { type WsTransport, WsTransportImpl } from "./ws-transport.js";

export { generateClientIdentity };

function invalid(what: string, url: string, why: string): never {
  throw new TransportError("invalid-address", `${what} ${JSON.stringify(url)}: ${why}`);
}

/**
 * Binds a WebSocket transport. With `listen` it accepts connections on that path; without it the
 * node is dial-only. Datagrams to a peer share one connection (reused in both directions:
 * whichever side opened it); every stream gets a connection of its own. Rejects with
 * `TransportError` `invalid-address`, `address-in-use` or `access-denied`; throws `RangeError`
 * for out-of-range numeric options.
 */
export async function bindWs(options: WsTransportOptions = {}): Promise<WsTransport> {
  const settings = resolveSettings(options);
  const dial = nodeDialer(options.tls, settings.handshakeTimeoutMs);
  if (options.listen === undefined) return dialOnly(options, settings, dial);

  const listen = parseAddress(options.listen);
  if (listen.scheme !== "ws" && listen.scheme !== "wss") {
    invalid("listen address", options.listen, "scheme must be ws:// or wss://");
  }
  if (
    listen.scheme === "wss" &&
    (options.tls?.cert === undefined || options.tls.key === undefined)
  ) {
    invalid("listen address", options.listen, "wss:// needs tls.cert and tls.key");
  }
  const port = listen.port ?? (listen.scheme === "wss" ? 443 : 80);
  let advertise: ReturnType<typeof parseAddress> | undefined;
  if (options.advertise !== undefined) {
    advertise = parseAddress(options.advertise);
    if (advertise.scheme !== "ws" && advertise.scheme !== "wss") {
      invalid(
        "advertise address",
        options.advertise,
        "a listening node advertises ws:// or wss://",
      );
    }
    if (isUnspecifiedHost(advertise.host)) {
      invalid("advertise address", options.advertise, "peers cannot reach an unspecified address");
    }
  } else if (isUnspecifiedHost(listen.host)) {
    invalid(
      "listen address",
      options.listen,
      "listens on every interface, so it cannot be advertised; set `advertise` to an address peers can reach",
    );
  }

  const tls = options.tls;
  const server: Server =
    listen.scheme === "wss"
      ? createHttpsServer({
          cert: tls?.cert,
          key: tls?.key,
          ...(tls?.ca !== undefined ? { ca: tls.ca as string | Buffer | (string | Buffer)[] } : {}),
          requestCert: tls?.requestCert ?? false,
          rejectUnauthorized: tls?.requestCert ?? false,
        })
      : createHttpServer();
  const listenOptions = { host: listen.host, port, ipv6Only: false, exclusive: true };
  await whenListening(server, () => server.listen(listenOptions)).catch((err: unknown) => {
    throw toTransportError(err, `cannot listen on ${listen.url}`, "address-in-use");
  });
  const boundPort = listeningPort(server, port);
  const bound = formatAddress(listen.scheme, listen.host, boundPort, listen.path);
  const address = advertise
    ? formatAddress(
        advertise.scheme,
        advertise.host,
        advertise.port === 0 ? boundPort : advertise.port,
        advertise.path === "" ? listen.path : advertise.path,
      )
    : bound;
  const where = { bound, path: listen.path === "" ? "/" : listen.path };
  const listener = serveWs(server, where, settings, () => transport);
  const transport = new WsTransportImpl(settings, address, { dial, listener });
  return transport;
}
