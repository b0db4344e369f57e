import type { RouteContext } from "../http-api.js";
import { ERRORS, MEMBER_SCHEMA } from "../http-schemas.js";
import { memberView } from "../views.js";

/** Counters the overview reports: running totals, so a client derives rates from two reads. */
const COUNTER_NAMES = [
  "packetsIn",
  "packetsOut",
  "bytesIn",
  "bytesOut",
  "messagesIn",
  "messagesOut",
  "probesSent",
  "probesFailed",
  "suspicionsRaised",
  "suspicionsRefuted",
  "deadDeclared",
  "refutations",
  "keysChanged",
] as const;

/** JSON schema of `GET /v1/overview`. */
export const OVERVIEW_SCHEMA = {
  type: "object",
  required: ["name", "status", "time", "eventIndex", "health", "members", "counters", "keyring"],
  properties: {
    name: { type: "string" },
    status: { type: "string", description: "this agent: running, leaving or stopped" },
    time: { type: "string", format: "date-time", description: "the agent's clock" },
    eventIndex: { type: "integer", description: "the agent's event index (SSE id)" },
    health: {
      type: "object",
      required: ["score", "state"],
      properties: {
        score: { type: "number", description: "Lifeguard local health score (0 = healthy)" },
        state: { type: "string", enum: ["healthy", "degraded", "isolated"] },
      },
    },
    members: {
      type: "array",
      items: {
        type: "object",
        required: [...MEMBER_SCHEMA.required, "since", "rttMs"],
        properties: {
          ...MEMBER_SCHEMA.properties,
          since: {
            type: "string",
            format: "date-time",
            description:
              "when this agent saw the member enter its status (at the latest, when the agent started)",
          },
          rttMs: {
            type: "number",
            nullable: true,
            description: "round-trip time estimated from network coordinates, ms; null without",
          },
        },
      },
    },
    counters: {
      type: "object",
      description: "running totals since the agent started",
      required: [...COUNTER_NAMES],
      properties: Object.fromEntries(COUNTER_NAMES.map((n) => [n, { type: "number" }])),
    },
    keyring: {
      type: "object",
      nullable: true,
      description: "null when gossip is not encrypted; fingerprints only, never keys",
      required: ["primary", "keys"],
      properties: {
        primary: { type: "string" },
        keys: {
          type: "array",
          items: {
            type: "object",
            required: ["fingerprint", "primary"],
            properties: { fingerprint: { type: "string" }, primary: { type: "boolean" } },
          },
        },
      },
    },
  },
} as const;

/**
 * `GET /v1/overview`: what the dashboard polls, in one read: the members with the time each
 * entered its status and the estimated RTT to it, this node's health, the traffic and failure
 * detector counters, and the keyring's fingerprints. The time in state is learnt from the
 * member events this agent has seen since it started.
 */
export function registerOverviewRoutes({ app, host }: RouteContext): void {
  const { cluster } = host;
  const startedAt = new Date().toISOString();
  const since = new Map<string, { status: string; time: string }>();
  host.events.subscribe((e) => {
    const member = e.data.member as { name?: string; status?: string } | undefined;
    if (e.kind !== "members" || member?.name === undefined || member.status === undefined) return;
    if (since.get(member.name)?.status === member.status) return;
    since.set(member.name, { status: member.status, time: String(e.data.time) });
  });

  app.get(
    "/v1/overview",
    {
      schema: {
        summary:
          "The dashboard's summary: members with time in state and RTT, health, counters, keyring fingerprints",
        tags: ["node"],
        querystring: { type: "object", additionalProperties: false, properties: {} },
        response: { 200: OVERVIEW_SCHEMA, ...ERRORS },
      },
    },
    async () => {
      const counters: Record<string, number> = {};
      const all: Record<string, unknown> = { ...cluster.counters, ...cluster.swimCounters() };
      for (const n of COUNTER_NAMES) counters[n] = Number(all[n] ?? 0);
      const ring = cluster.keyring;
      return {
        name: cluster.name,
        status: cluster.status,
        time: new Date().toISOString(),
        eventIndex: host.events.index,
        health: { score: cluster.health(), state: cluster.healthState() },
        members: cluster
          .members()
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((m) => {
            const seen = since.get(m.name);
            const rtt = m.local ? undefined : cluster.rtt(m.name);
            return {
              ...memberView(m),
              since: seen?.status === m.status ? seen.time : startedAt,
              rttMs: rtt === undefined ? null : Math.round(rtt * 100) / 100,
            };
          }),
        counters,
        keyring: ring === undefined ? null : { primary: ring.primary, keys: ring.list() },
      };
    },
  );
}
