import type { Coordinate } from "@grapevine/cluster";
import type { RouteContext } from "../http-api.js";
import { HttpError } from "../http-errors.js";
import { ERRORS } from "../http-schemas.js";

const COORDINATE_SCHEMA = {
  type: "object",
  required: ["vec", "error", "adjustment", "height"],
  properties: {
    vec: { type: "array", items: { type: "number" }, description: "seconds per axis" },
    error: { type: "number", description: "relative error of this node's estimates" },
    adjustment: { type: "number", description: "seconds" },
    height: { type: "number", description: "seconds" },
  },
} as const;

const MEMBER_COORDINATE = {
  type: "object",
  required: ["name", "coordinate"],
  properties: { name: { type: "string" }, coordinate: COORDINATE_SCHEMA },
} as const;

/** A coordinate as JSON (the library's arrays are read-only views). */
function coordinateView(c: Coordinate): Record<string, unknown> {
  return { vec: [...c.vec], error: c.error, adjustment: c.adjustment, height: c.height };
}

/**
 * `GET /v1/rtt?a=NODE[&b=NODE]`: the round-trip time between two members estimated from their
 * network coordinates (Serf's `rtt`; `b` defaults to this agent). Answers 404 naming the member
 * whose coordinate this agent does not hold (unknown, not probed yet, or coordinates off).
 */
export function registerCoordinateRoutes({ app, host }: RouteContext): void {
  const { cluster } = host;

  app.get<{ Querystring: { a: string; b?: string } }>(
    "/v1/rtt",
    {
      schema: {
        summary:
          "Estimated round-trip time between members a and b (default: this agent), from their Vivaldi network coordinates",
        tags: ["node"],
        querystring: {
          type: "object",
          required: ["a"],
          additionalProperties: false,
          properties: {
            a: { type: "string", minLength: 1, description: "a member's name" },
            b: { type: "string", minLength: 1, description: "another member (default: this one)" },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["a", "b", "rttMs"],
            properties: {
              a: MEMBER_COORDINATE,
              b: MEMBER_COORDINATE,
              rttMs: { type: "number", description: "estimated round-trip time, ms" },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const a = request.query.a;
      const b = request.query.b ?? cluster.name;
      const ends = [a, b].map((name) => {
        const coordinate = cluster.coordinateOf(name);
        if (coordinate === undefined) {
          const known = cluster.members().some((m) => m.name === name);
          throw new HttpError(
            404,
            known
              ? `no network coordinate for ${name} yet (it has not answered one of this agent's probes, or coordinates are off)`
              : `no member named ${name}`,
            {},
            { member: name },
          );
        }
        return { name, coordinate: coordinateView(coordinate) };
      });
      const rttMs = cluster.rtt(a, b);
      if (rttMs === undefined) throw new HttpError(404, `no estimate between ${a} and ${b}`);
      return { a: ends[0], b: ends[1], rttMs };
    },
  );
}
