import type { FastifyReply } from "fastify";
import type { RouteContext } from "../http-api.js";
import { HttpError } from "../http-errors.js";
import { ERRORS } from "../http-schemas.js";
import { LEVELS } from "../log-hub.js";
import { openSse, type SseStream } from "../sse.js";

/** Answers HEAD on a stream route with the stream's headers and no body. */
function headOnly(reply: FastifyReply, index: number): void {
  reply.hijack();
  reply.raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-grapevine-index": String(index),
  });
  reply.raw.end();
}

/**
 * `/v1/events` (every state-changing event as Server-Sent Events, with `id:` the event index
 * and replay from `Last-Event-ID`) and `/v1/monitor` (the agent's log lines, live).
 */
export function registerStreamRoutes({ app, host, streams }: RouteContext): void {
  const track = (stream: SseStream) => {
    const end = () => stream.end();
    streams.add(end);
    return () => streams.delete(end);
  };

  app.get<{ Querystring: { since?: number }; Headers: { "last-event-id"?: string } }>(
    "/v1/events",
    {
      schema: {
        summary:
          "Server-Sent Events: every membership, key, health and user event, id: the event index; reconnect with Last-Event-ID to replay what was missed (a reset event when it is no longer held)",
        tags: ["events"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            since: {
              type: "integer",
              minimum: 0,
              description: "replay events after this index, as Last-Event-ID does",
            },
          },
        },
        headers: {
          type: "object",
          properties: { "last-event-id": { type: "string", pattern: "^[0-9]+$" } },
        },
        produces: ["text/event-stream"],
        response: { 200: { type: "string" }, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { events } = host;
      if (request.method === "HEAD") return headOnly(reply, events.index);
      const header = request.headers["last-event-id"];
      const from = header !== undefined ? Number(header) : request.query.since;
      reply.hijack();
      // Subscribed before the replay is read, so nothing falls between the two.
      const pending: Parameters<Parameters<typeof events.subscribe>[0]>[0][] = [];
      let live = false;
      let untrack = () => false;
      const unsubscribe = events.subscribe((e) => {
        if (!live) pending.push(e);
        else if (!stream.send(e.type, e.data, e.index)) stream.end();
      });
      const stream = openSse(
        reply.raw,
        { "x-grapevine-index": String(events.index) },
        `connected to ${host.cluster.name}`,
        () => {
          unsubscribe();
          untrack();
        },
      );
      untrack = track(stream);
      let last = from ?? events.index;
      if (from !== undefined) {
        const missed = events.since(from);
        if (missed === undefined) {
          stream.send("reset", { index: events.index, requested: from }, events.index);
          last = events.index;
        } else {
          for (const e of missed) stream.send(e.type, e.data, e.index);
          last = missed.at(-1)?.index ?? from;
        }
      }
      for (const e of pending) if (e.index > last) stream.send(e.type, e.data, e.index);
      live = true;
    },
  );

  app.get<{ Querystring: { level?: string } }>(
    "/v1/monitor",
    {
      schema: {
        summary:
          "Server-Sent Events: the agent's log lines (pino JSON) from now on, at or above level",
        tags: ["events"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            level: {
              type: "string",
              enum: Object.keys(LEVELS),
              description: "least severe level streamed (default info)",
            },
          },
        },
        produces: ["text/event-stream"],
        response: { 200: { type: "string" }, ...ERRORS },
      },
    },
    async (request, reply) => {
      if (request.method === "HEAD") return headOnly(reply, host.events.index);
      const least = LEVELS[request.query.level ?? "info"];
      if (least === undefined) throw new HttpError(400, "bad level", {}, { parameter: "level" });
      reply.hijack();
      let untrack = () => false;
      const unsubscribe = host.logs.subscribe((record) => {
        if (record.level < least) return;
        let data: unknown = record.line;
        try {
          data = JSON.parse(record.line);
        } catch {
          // Passed on as text.
        }
        if (!stream.send("log", data)) stream.end();
      });
      const stream = openSse(reply.raw, {}, `monitoring ${host.cluster.name}`, () => {
        unsubscribe();
        untrack();
      });
      untrack = track(stream);
    },
  );
}
