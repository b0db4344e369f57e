import type { ServerResponse } from "node:http";

/** Bytes a slow event-stream client may leave unread before it is cut off. */
const MAX_UNREAD_BYTES = 1024 * 1024;
/** Comment lines keep idle connections (and proxies) from timing out, ms. */
const HEARTBEAT_MS = 15_000;

/** An open Server-Sent Events stream to one client. */
export interface SseStream {
  /** Sends one event; false once the stream has ended (or was cut off for being too slow). */
  send(event: string, data: unknown, id?: number): boolean;
  /** Ends the stream; idempotent. */
  end(): void;
}

/**
 * Opens a Server-Sent Events stream on `res` (which the caller has taken over from the
 * framework): the headers, a `: connected` comment, a `: heartbeat` comment every 15 s. A client
 * more than 1 MiB behind is disconnected rather than buffered without bound. `onEnd` runs once,
 * however the stream ends.
 */
export function openSse(
  res: ServerResponse,
  headers: Readonly<Record<string, string>>,
  greeting: string,
  onEnd: () => void,
): SseStream {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    ...headers,
  });
  res.write(`: ${greeting}\n\n`);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    res.end();
    onEnd();
  };
  const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  res.on("close", end);
  return {
    send(event, data, id) {
      if (ended) return false;
      if (res.writableLength > MAX_UNREAD_BYTES) {
        end();
        return false;
      }
      const idLine = id === undefined ? "" : `id: ${id}\n`;
      res.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      return true;
    },
    end,
  };
}
