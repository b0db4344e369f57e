import { AuthRequired, authHeaders } from "./api.js";
import { SseSplitter } from "./sse-splitter.js";

/** One Server-Sent Event of `/v1/events`. */
export interface StreamEvent {
  readonly id: string | undefined;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** Where the stream is: connected, (re)connecting, or refused for want of a token. */
export type StreamState = "connecting" | "live" | "retrying" | "unauthorized";

/** Longest pause between reconnection attempts, ms. */
const MAX_RETRY_MS = 8000;

/**
 * Follows the agent's event stream through `fetch` (an `EventSource` cannot send the
 * `Authorization` header). The first connection replays what the agent still holds
 * (`?since=0`: the recent membership history for the timeline); after a drop it reconnects by
 * itself, with a growing pause, sending `Last-Event-ID` so that nothing in between is lost.
 * Returns the function that stops it.
 */
export function followEvents(
  onEvent: (event: StreamEvent) => void,
  onState: (state: StreamState) => void,
): () => void {
  let stopped = false;
  let lastId: string | undefined;
  let controller: AbortController | undefined;
  let pause = 250;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      onState("connecting");
      try {
        const headers = authHeaders({ accept: "text/event-stream" });
        if (lastId !== undefined) headers["last-event-id"] = lastId;
        const res = await fetch(lastId === undefined ? "/v1/events?since=0" : "/v1/events", {
          headers,
          cache: "no-store",
          credentials: "omit",
          signal: controller.signal,
        });
        if (res.status === 401) throw new AuthRequired(false);
        if (!res.ok || res.body === null) throw new Error(`/v1/events: HTTP ${res.status}`);
        onState("live");
        pause = 250;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const splitter = new SseSplitter();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const e of splitter.push(value)) {
            if (e.id !== undefined) lastId = e.id;
            let data: Record<string, unknown>;
            try {
              data = JSON.parse(e.data) as Record<string, unknown>;
            } catch {
              continue;
            }
            onEvent({ id: e.id, type: e.event, data });
          }
        }
      } catch (err) {
        if (stopped) return;
        if (err instanceof AuthRequired) {
          onState("unauthorized");
          return;
        }
      }
      if (stopped) return;
      onState("retrying");
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, MAX_RETRY_MS);
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
