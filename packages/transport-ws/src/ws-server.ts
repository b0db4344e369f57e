import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { MAX_CONTROL_CHARS } from "./control.js";
import { NodeSocket } from "./node-socket.js";
import type { Settings } from "./ws-options.js";
import type { Listener, WsTransportImpl } from "./ws-transport.js";

/**
 * Accepts WebSocket connections on `server` at `path` for the transport `target()` returns (Node
 * only: browsers cannot listen). Plain HTTP requests get 426, other paths 404, and connections
 * beyond the transport's limit 503.
 */
export function serveWs(
  server: Server,
  where: { readonly bound: string; readonly path: string },
  settings: Settings,
  target: () => WsTransportImpl,
): Listener {
  const wss = new WebSocketServer({
    noServer: true,
    // Until a hello names a stream, the transport lowers this per connection.
    maxPayload: Math.max(settings.maxFrameBytes, MAX_CONTROL_CHARS * 4),
    perMessageDeflate: false,
    clientTracking: false,
  });
  wss.on("error", () => {});
  server.headersTimeout = Math.min(server.headersTimeout, settings.handshakeTimeoutMs);
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => {});
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
    };
    const transport = target();
    if (transport.closed) {
      socket.destroy();
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (path !== where.path) {
      reject(404, "Not Found");
      return;
    }
    if (!transport.admits()) {
      reject(503, "Service Unavailable");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => transport.accept(new NodeSocket(ws, true)));
  };
  server.on("upgrade", onUpgrade);
  server.on("request", (_req, res) => {
    res.writeHead(426, { "content-type": "text/plain", connection: "close" });
    res.end("this endpoint speaks WebSocket only\n");
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  server.on("tlsClientError", () => {});
  server.on("error", () => {});
  return {
    bound: where.bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
