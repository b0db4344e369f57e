import type { Cluster, DropReason } from "@grapevine/cluster";
import { MemberlistTransport } from "@grapevine/cluster/memberlist";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { registerProbeRttHistogram } from "./probe-rtt-metric.js";
import { registerStatGauges } from "./telemetry.js";
import type { BoundTransport } from "./transports.js";
import { AGENT_VERSION } from "./version.js";

/** The agent's registry and the counters the agent itself increments. */
export interface AgentMetrics {
  readonly registry: Registry;
  /** User events sent through the API (`grapevine_user_events_total{direction="out"}`). */
  readonly eventsSent: { inc(): void };
  /** User events received from the cluster (`{direction="in"}`). */
  readonly eventsReceived: { inc(): void };
  /** Queries sent through the API (`grapevine_queries_sent_total`). */
  readonly queriesSent: { inc(): void };
  /** One run of a configured query handler (`grapevine_query_handler_runs_total`). */
  readonly queryHandlerRuns: (name: string, result: string) => void;
}

const STATUSES = ["alive", "suspect", "dead", "left"] as const;

/**
 * A counter whose value is read from a running total at scrape time (the cluster keeps the
 * totals; Prometheus only needs to see them). Labelled series are set from `read` on each scrape.
 */
function totalCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => ReadonlyArray<readonly [Record<string, string>, number]>,
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

function plain(
  value: () => number,
): () => ReadonlyArray<readonly [Record<string, string>, number]> {
  return () => [[{}, value()]];
}

/**
 * Builds the agent's Prometheus registry (its own, not prom-client's global one): membership by
 * status, packets/bytes/messages in and out, drops by reason, probe results, suspicions,
 * refutations, push-pull count and duration, gossip rounds, events dropped by slow readers, state
 * rejections, local health, transport counters and the default process metrics.
 */
export function createMetrics(
  cluster: Cluster,
  transports: readonly BoundTransport[],
): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "grapevine_agent_" });
  const c = cluster.counters;
  const swim = () => cluster.swimCounters();
  const state = () => cluster.stateCounters();

  new Gauge({
    name: "grapevine_members",
    help: "Members known to this node (itself included), by status.",
    labelNames: ["status"],
    registers: [registry],
    collect() {
      const counts: Record<string, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
      for (const m of cluster.members()) counts[m.status] = (counts[m.status] ?? 0) + 1;
      for (const s of STATUSES) this.set({ status: s }, counts[s] ?? 0);
    },
  });
  new Gauge({
    name: "grapevine_health_score",
    help: "Lifeguard local health score: 0 is healthy; higher stretches this node's probe timeouts.",
    registers: [registry],
    collect() {
      this.set(cluster.health());
    },
  });
  new Gauge({
    name: "grapevine_local_keys",
    help: "Live keys this node owns.",
    registers: [registry],
    collect() {
      this.set(cluster.entries().length);
    },
  });
  new Gauge({
    name: "grapevine_keyring_keys",
    help: "Encryption keys installed in this node's keyring (0 without encryption).",
    registers: [registry],
    collect() {
      this.set(cluster.keyring?.size ?? 0);
    },
  });
  new Gauge({
    name: "grapevine_gossip_queue_depth",
    help: "Broadcasts waiting to be gossiped, by queue (membership updates; state deltas and application messages).",
    labelNames: ["queue"],
    registers: [registry],
    collect() {
      const depth = cluster.queueDepth();
      this.set({ queue: "membership" }, depth.membership);
      this.set({ queue: "state" }, depth.state);
    },
  });
  new Gauge({
    name: "grapevine_state_owners",
    help: "Nodes whose state this node holds (itself included).",
    registers: [registry],
    collect() {
      this.set(cluster.owners().length);
    },
  });

  totalCounter(
    registry,
    "grapevine_packets_total",
    "Datagrams received and sent.",
    ["direction"],
    () => [
      [{ direction: "in" }, c.packetsIn],
      [{ direction: "out" }, c.packetsOut],
    ],
  );
  totalCounter(
    registry,
    "grapevine_bytes_total",
    "Datagram bytes received and sent.",
    ["direction"],
    () => [
      [{ direction: "in" }, c.bytesIn],
      [{ direction: "out" }, c.bytesOut],
    ],
  );
  totalCounter(
    registry,
    "grapevine_messages_total",
    "Protocol messages received and sent (a datagram carries one or more).",
    ["direction"],
    () => [
      [{ direction: "in" }, c.messagesIn],
      [{ direction: "out" }, c.messagesOut],
    ],
  );
  totalCounter(
    registry,
    "grapevine_dropped_packets_total",
    "Packets or stream frames dropped without processing, by reason.",
    ["reason"],
    () => (Object.keys(c.drops) as DropReason[]).map((r) => [{ reason: r }, c.drops[r]] as const),
  );
  totalCounter(
    registry,
    "grapevine_probes_total",
    "Failure-detector probes by result (SWIM §4): acked in time, or failed.",
    ["result"],
    () => [
      [{ result: "acked" }, swim().probesAcked],
      [{ result: "failed" }, swim().probesFailed],
    ],
  );
  totalCounter(
    registry,
    "grapevine_suspicions_total",
    "Suspicions this node raised after its own failed probes.",
    [],
    plain(() => swim().suspicionsRaised),
  );
  totalCounter(
    registry,
    "grapevine_suspicions_refuted_total",
    "Suspected members seen to refute (false suspicions).",
    [],
    plain(() => swim().suspicionsRefuted),
  );
  totalCounter(
    registry,
    "grapevine_dead_declared_total",
    "Members this node declared dead when their suspicion timed out.",
    [],
    plain(() => swim().deadDeclared),
  );
  totalCounter(
    registry,
    "grapevine_refutations_total",
    "Times this node refuted suspicion or death about itself (SWIM §4.2).",
    [],
    plain(() => swim().refutations),
  );
  totalCounter(
    registry,
    "grapevine_stale_claims_answered_total",
    "Suspicions or death notices about this node at an older incarnation, answered with its current alive.",
    [],
    plain(() => swim().staleClaimsAnswered),
  );
  totalCounter(
    registry,
    "grapevine_suspicion_last_calls_total",
    "Suspicions still held after half the minimum timeout, sent to the suspect itself.",
    [],
    plain(() => swim().lastCalls),
  );
  totalCounter(
    registry,
    "grapevine_indirect_probes_total",
    "ping-req messages sent as requester (SWIM §4.1).",
    [],
    plain(() => swim().pingReqsSent),
  );
  totalCounter(
    registry,
    "grapevine_push_pulls_total",
    "Push-pull (full state) exchanges started by this node, by outcome.",
    ["result"],
    () => [
      [{ result: "ok" }, Math.max(0, c.pushPulls - c.pushPullFailures)],
      [{ result: "failed" }, c.pushPullFailures],
    ],
  );
  totalCounter(
    registry,
    "grapevine_push_pull_seconds_total",
    "Time spent in completed outgoing push-pull exchanges, seconds.",
    [],
    plain(() => c.pushPullMs / 1000),
  );
  totalCounter(
    registry,
    "grapevine_gossip_rounds_total",
    "Gossip rounds run.",
    [],
    plain(() => c.gossipRounds),
  );
  totalCounter(
    registry,
    "grapevine_anti_entropy_rounds_total",
    "Scuttlebutt digest exchanges started.",
    [],
    plain(() => c.antiEntropyRounds),
  );
  totalCounter(
    registry,
    "grapevine_keys_changed_total",
    "Key changes seen (local writes and applied updates).",
    [],
    plain(() => c.keysChanged),
  );
  totalCounter(
    registry,
    "grapevine_events_dropped_total",
    "Events dropped by event-stream readers (events() iterators) that fell behind; each keeps the newest eventBufferLimit.",
    [],
    plain(() => cluster.counters.eventsDropped),
  );
  totalCounter(
    registry,
    "grapevine_state_rejected_total",
    "Owner deltas refused by the state store, by reason.",
    ["reason"],
    () => Object.entries(state().rejected).map(([r, n]) => [{ reason: r }, n] as const),
  );
  totalCounter(
    registry,
    "grapevine_state_refutations_total",
    "Claims about this node's own state that it did not make (a higher generation or version, a reset, a tombstone it never wrote), refuted by moving above them and announcing its state again, by reason.",
    ["reason"],
    () => Object.entries(state().selfRefutations).map(([r, n]) => [{ reason: r }, n] as const),
  );
  totalCounter(
    registry,
    "grapevine_transport_datagrams_dropped_total",
    "Datagrams dropped by a transport because the reader was behind, by transport.",
    ["transport"],
    () =>
      transports.map(
        (t) =>
          [{ transport: t.transport.scheme }, t.transport.counters().datagramsDropped] as const,
      ),
  );
  const udp = () =>
    transports.flatMap((t) =>
      t.transport.scheme === "udp" && !(t.transport instanceof MemberlistTransport)
        ? [{ bind: t.listening ?? t.bind, counters: t.transport.counters() }]
        : [],
    );
  totalCounter(
    registry,
    "grapevine_udp_frames_refused_over_budget_total",
    "Stream connections broken because their next frame did not fit the transport's budget for half-received frames (maxBufferedFrameBytes), by listener.",
    ["bind"],
    () => udp().map((u) => [{ bind: u.bind }, u.counters.framesRefusedOverBudget] as const),
  );
  new Gauge({
    name: "grapevine_udp_buffered_frame_bytes",
    help: "Bytes reserved now by half-received stream frames, by listener (bounded by maxBufferedFrameBytes).",
    labelNames: ["bind"],
    registers: [registry],
    collect() {
      for (const u of udp()) this.set({ bind: u.bind }, u.counters.bufferedFrameBytes);
    },
  });
  totalCounter(
    registry,
    "grapevine_udp_send_errors_total",
    "Datagrams a UDP socket failed to send, by listener and error code (errno: EPERM, ENETUNREACH, EACCES, ...).",
    ["bind", "errno"],
    () =>
      udp().flatMap((u) =>
        Object.entries(u.counters.sendErrorsByCode).map(
          ([errno, n]) => [{ bind: u.bind, errno }, n] as const,
        ),
      ),
  );
  new Gauge({
    name: "grapevine_health_state",
    help: "1 for this node's current health state (healthy, degraded, isolated: no acks from any peer), 0 for the others.",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const now = cluster.healthState();
      for (const state of ["healthy", "degraded", "isolated"]) {
        this.set({ state }, state === now ? 1 : 0);
      }
    },
  });
  const build = new Gauge({
    name: "grapevine_build_info",
    help: "Always 1; the labels say which agent and Node.js versions run.",
    labelNames: ["version", "node"],
    registers: [registry],
  });
  build.set({ version: AGENT_VERSION, node: process.version }, 1);
  const events = new Counter({
    name: "grapevine_user_events_total",
    help: "User events sent through this agent's API (out) and received from the cluster (in).",
    labelNames: ["direction"],
    registers: [registry],
  });
  events.inc({ direction: "in" }, 0);
  events.inc({ direction: "out" }, 0);
  const queries = new Counter({
    name: "grapevine_queries_sent_total",
    help: "Queries sent through this agent's API (query and reachability).",
    registers: [registry],
  });
  const handlerRuns = new Counter({
    name: "grapevine_query_handler_runs_total",
    help: "Runs of the query handlers of the agent's config, by query name and result (answered, no-output, failed, timeout, too-large, busy).",
    labelNames: ["name", "result"],
    registers: [registry],
  });
  registerStatGauges(registry, cluster);
  registerProbeRttHistogram(registry, () => cluster.counters.probeRtt);
  return {
    registry,
    eventsSent: { inc: () => events.inc({ direction: "out" }) },
    eventsReceived: { inc: () => events.inc({ direction: "in" }) },
    queriesSent: { inc: () => queries.inc() },
    queryHandlerRuns: (name, result) => handlerRuns.inc({ name, result }),
  };
}
