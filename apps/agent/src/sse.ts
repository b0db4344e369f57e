import type { ServerResponse } from "node:http";
import type { Cluster } from "@grapevine/cluster";
import { eventView } from "./views.js";

/** Bytes a slow event-stream client may leave unread before it is cut off. */
const MAX_UNREAD_BYTES = 1024 * 1024;
/** Comment lines keep idle connections (and proxies) from timing out, ms. */
const HEARTBEAT_MS = 15_000;

/**
 * Streams cluster events to one client as Server-Sent Events: `event: <type>` and
 * `data: <JSON>` per event (see {@link eventView}), a `: heartbeat` comment every 15 s. The
 * agent's own key-operation messages are left out. A client
 * more than 1 MiB behind is disconnected rather than buffered without bound. Returns a function
 * that ends the stream.
 */
export function streamEvents(cluster: Cluster, res: ServerResponse, onEnd: () => void): () => void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write(`: connected to ${cluster.name}\n\n`);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    clearInterval(heartbeat);
    res.end();
    onEnd();
  };
  const unsubscribe = cluster.on("*", (event) => {
    if (ended) return;
    if (res.writableLength > MAX_UNREAD_BYTES) {
      end();
      return;
    }
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(eventView(event))}\n\n`);
  });
  const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  res.on("close", end);
  return end;
}
