import type { MemberRegistry, Rng, SwimConfig } from "@grapevine/swim";
import type { FrameCompression } from "./compression.js";
import type { QuerySettings } from "./query-options.js";
import type { TelemetryOptions } from "./telemetry.js";

/** What the core needs to know of one bound transport: its schemes and its size limits. */
export interface Link {
  /** URL schemes the transport sends to (`udp`; `ws`, `wss`, `ws-client`; `mem`). */
  readonly schemes: readonly string[];
  /** Largest datagram the transport sends, bytes (sealed packet included). */
  readonly mtu: number;
  /** Largest stream frame the transport carries, bytes (sealed frame included). */
  readonly maxFrameBytes: number;
}

/** Everything a {@link NodeCore} is built from. Times are ms on the caller's clock. */
export interface NodeCoreOptions {
  /** This member's unique name. */
  readonly name: string;
  /** Address URLs this member advertises, one per listening transport. */
  readonly addresses: readonly string[];
  /** The transports this member can send on. */
  readonly links: readonly Link[];
  /** Failure-detector and gossip settings (see `swimConfig`). */
  readonly config: SwimConfig;
  /** Seeded random source: the only randomness the core uses. */
  readonly rng: Rng;
  /** The time of construction, ms. */
  readonly now: number;
  /** This process's generation: higher than any earlier run of this member. */
  readonly generation: number;
  /** Advertised metadata bytes. */
  readonly meta: Uint8Array;
  /** Cluster label written into every envelope and required of every packet received. */
  readonly label?: string;
  /**
   * Bytes the runtime adds to every packet and frame after the core encodes it (the AES-GCM seal:
   * version, nonce and tag). Packets are built to `mtu − sealOverhead`.
   */
  readonly sealOverhead?: number;
  /** Secret seed of the member table's name index (so peers cannot send colliding names). */
  readonly hashSeed?: number;
  /**
   * Where the failure detector's member table keeps member records; by default one of its own.
   * Cores simulated in one process share one (each member's record then exists once); a core
   * dropped while the registry lives on must be disposed ({@link NodeCore.dispose}).
   */
  readonly memberRegistry?: MemberRegistry;
  /**
   * Gossip rounds that would change nothing go without a wake-up (`NodeCore.nextWakeAt` skips them;
   * the next step replays them). For a runtime that calls `tick` exactly at `nextWakeAt` (a
   * simulator on a virtual clock) it changes nothing but the number of wake-ups. A runtime on
   * real timers, which wake late, keeps its rounds on the grid of the skipped ones instead of
   * setting each from the late time it ran: the same rounds, a little earlier, and a quiet member
   * is spared five wake-ups a second on the LAN preset (the cluster runtime turns it on). Default
   * false.
   */
  readonly skipIdleRounds?: boolean;
  /** Scuttlebutt anti-entropy period, ms (default 5 gossip intervals; 0 disables it). */
  readonly antiEntropyIntervalMs?: number;
  /** Deadline of one stream exchange (push-pull), ms (default 10,000). */
  readonly streamTimeoutMs?: number;
  /** Longest a leave waits for its news to spread, ms (default 5 gossip intervals + one probe interval). */
  readonly leaveTimeoutMs?: number;
  /** Period of reconnect attempts to failed members, ms (default the push-pull interval; 0 disables). */
  readonly reconnectIntervalMs?: number;
  /** How long a failed member is retried, ms (default 24 hours). */
  readonly reconnectTimeoutMs?: number;
  /** Tombstone grace period, ms (state default). */
  readonly tombstoneGraceMs?: number;
  /** Dead-owner grace period, ms (state default). */
  readonly deadOwnerGraceMs?: number;
  /**
   * Tombstone grace of the cluster-scoped keyspace, and the absence after which a returning node
   * sets its older shared entries aside (see `SharedKeyspace`), ms. Default: `deadOwnerGraceMs`.
   */
  readonly sharedGraceMs?: number;
  /** Largest lead of a peer's shared-key timestamp over our clock that is accepted, ms (5,000). */
  readonly maxClockDriftMs?: number;
  /**
   * Wall-clock (Unix ms) minus `now`, ms (default 0: `now` is wall-clock time, or every node
   * shares one virtual clock). Timestamps that other processes compare (shared-key HLC
   * timestamps, telemetry sample times) are taken as `now + wallClockOffsetMs`.
   */
  readonly wallClockOffsetMs?: number;
  /** Telemetry budget and freshness bound (see `Telemetry`). */
  readonly stats?: TelemetryOptions;
  /** Largest key, UTF-8 bytes (default 256). */
  readonly maxKeyBytes?: number;
  /** Largest value, bytes (default 1,024). */
  readonly maxValueBytes?: number;
  /**
   * Largest advertised metadata, bytes (default and ceiling: the codec's limit, 1,024). A wire
   * with a smaller limit sets it (memberlist carries at most 512 bytes of node meta).
   */
  readonly maxMetaBytes?: number | undefined;
  /**
   * Our first incarnation (default 0). A wire whose peers ignore an `alive` at incarnation 0 from
   * a member they do not know sets 1 (memberlist does: its members start at 1).
   */
  readonly initialIncarnation?: bigint | undefined;
  /**
   * With other members known, no answer from any of them for this long makes the node isolated,
   * once its probes of two of them (or of the only one) have ended in silence, ms (default: one
   * probe interval plus the minimum suspicion timeout, see `isolationWindow`).
   */
  readonly isolationWindowMs?: number;
  /**
   * A compressor for stream frames (push-pull). With one, this member announces that it accepts
   * compressed frames and compresses those to members that announced the same (see
   * `compression.ts`); without one, it exchanges plain frames only.
   */
  readonly compression?: FrameCompression;
  /**
   * Network coordinates (Vivaldi, see `coordinates.ts`): measured on our probes and sent on our
   * acks. Default true; false behaves as a member from before coordinates (Serf's
   * `DisableCoordinates`).
   */
  readonly coordinates?: boolean;
  /** Query settings: timeout multiplier, size limits, rate limit per origin (Serf's defaults). */
  readonly queries?: Partial<QuerySettings>;
}

/** The options with every default filled in. */
export interface ResolvedTiming {
  readonly antiEntropyIntervalMs: number;
  readonly streamTimeoutMs: number;
  readonly leaveTimeoutMs: number;
  readonly reconnectIntervalMs: number;
  readonly reconnectTimeoutMs: number;
}

/** Fills in the timing defaults of {@link NodeCoreOptions}. */
export function resolveTiming(options: NodeCoreOptions): ResolvedTiming {
  const { config } = options;
  return {
    antiEntropyIntervalMs: options.antiEntropyIntervalMs ?? config.gossipIntervalMs * 5,
    streamTimeoutMs: options.streamTimeoutMs ?? 10_000,
    leaveTimeoutMs: options.leaveTimeoutMs ?? config.gossipIntervalMs * 5 + config.probeIntervalMs,
    reconnectIntervalMs: options.reconnectIntervalMs ?? config.pushPullIntervalMs,
    reconnectTimeoutMs: options.reconnectTimeoutMs ?? 24 * 3_600_000,
  };
}
