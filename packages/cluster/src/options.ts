import { encodeTags, type NodeCoreOptions } from "@grapevine/node";
import type { SwimConfig, SwimConfigOverrides, SwimPresetName } from "@grapevine/swim";
import type { Clock, Transport } from "@grapevine/transport";
import type { Keyring } from "./keyring.js";
import type { Rng } from "./rng.js";
import type { PacketKeyring } from "./sealer.js";
import type { WireProtocol } from "./wire-setup.js";

/** Lifecycle of a cluster member. */
export type ClusterStatus = "created" | "running" | "leaving" | "left" | "stopped";

/** Options of `Cluster.event`. */
export interface EventOptions {
  /**
   * Receivers may coalesce it (Serf's `-coalesce`): of a burst of events of this name, a receiver
   * that coalesces delivers only the newest. Default false.
   */
  readonly coalesce?: boolean;
}

/** Options of `Cluster.join`. */
export interface JoinOptions {
  /** Give up after this many ms (default: the stream timeout). */
  readonly timeoutMs?: number;
}

/** The node core's options a cluster passes through as they are (see `NodeCoreOptions`). */
type CoreTuning = Pick<
  NodeCoreOptions,
  | "antiEntropyIntervalMs"
  | "leaveTimeoutMs"
  | "reconnectIntervalMs"
  | "reconnectTimeoutMs"
  | "tombstoneGraceMs"
  | "deadOwnerGraceMs"
  | "sharedGraceMs"
  | "maxClockDriftMs"
  | "stats"
  | "maxKeyBytes"
  | "maxValueBytes"
  | "isolationWindowMs"
  | "queries"
>;

/** Options for {@link Cluster.create}. */
export interface ClusterOptions<K extends PacketKeyring = Keyring> extends CoreTuning {
  /** Unique member name (1–128 bytes of UTF-8; letters, digits and `._-:@` recommended). */
  readonly name: string;
  /** Bound transports to listen and send on; the member advertises each one's address. */
  readonly transports: readonly Transport[];
  /** Timing preset: `lan` (default), `wan` or `local` (one machine, tests). */
  readonly preset?: SwimPresetName;
  /** Overrides of the preset's failure-detector and gossip settings. */
  readonly swim?: SwimConfigOverrides;
  /** Time source: real time by default; a virtual clock in simulations. */
  readonly clock?: Clock;
  /** Random source: OS-seeded by default; pass a seeded one for reproducible runs. */
  readonly rng?: Rng;
  /** String tags advertised as member metadata (ignored when `meta` is given). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Raw metadata bytes advertised by this member. */
  readonly meta?: Uint8Array;
  /**
   * This process's generation: must grow across restarts so that a restarted member's fresh state
   * replaces its old state everywhere. Default: wall-clock milliseconds at start.
   */
  readonly generation?: number;
  /** Cluster label: packets with another label are dropped, so two clusters never merge. */
  readonly label?: string;
  /**
   * Keys that seal and open every packet and stream frame (AES-GCM): a `Keyring` (node:crypto) or,
   * in browsers, a `WebCryptoKeyring`; both seal the same packets. Changes to the keyring
   * (install, use, remove) apply from the next packet. See SECURITY.md.
   */
  readonly keyring?: K;
  /**
   * With a keyring: `required` (default) sends sealed and drops plaintext; `accept-plaintext`
   * sends sealed and accepts both; `open-only` sends plaintext and accepts both (the first step
   * of turning encryption on in a running cluster).
   */
  readonly encryption?: "open-only" | "accept-plaintext" | "required";
  /** Deadline of one stream exchange (push-pull), ms (default 10,000; `local` 5,000). */
  readonly streamTimeoutMs?: number;
  /** Events buffered per `events()` iterator before the oldest are dropped (default 10,000). */
  readonly eventBufferLimit?: number;
  /**
   * Compress push-pull frames (raw deflate) to members that accept it, and tell members that we
   * accept it (default true; always off in browsers, which have no synchronous deflate). Members with and without it interoperate: nobody is sent a
   * compressed frame it did not ask for.
   */
  readonly compression?: boolean;
  /**
   * Network coordinates (Vivaldi, Serf's design; default true): RTTs measured on our probes, our
   * coordinate sent on our acks, members' coordinates kept for {@link Cluster.rtt}. False behaves
   * as a member from before coordinates; both kinds interoperate.
   */
  readonly coordinates?: boolean;
  /**
   * The wire protocol: `grapevine` (default) or `memberlist`, HashiCorp memberlist's protocol, to
   * be a member of a Go memberlist cluster. memberlist's wire needs its transport (one
   * `MemberlistTransport`, or `bind` given to {@link Cluster.start}); it is membership-only: see
   * the package README for what maps to what.
   */
  readonly wire?: WireProtocol;
}

/** {@link ClusterOptions} for memberlist's wire with a bind address instead of transports. */
export type MemberlistClusterOptions = Omit<ClusterOptions, "transports" | "wire"> & {
  readonly wire: "memberlist";
  /** `udp://IP:port` (port 0: any free one): memberlist's UDP packets and TCP streams there. */
  readonly bind: string;
};

/** A bad option: `field` names it; the message says why. */
export class ClusterOptionsError extends Error {
  override readonly name = "ClusterOptionsError";
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`cluster options: ${field} ${reason}`);
  }
}

function positiveInt(field: string, value: number | undefined, allowZero = false): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new ClusterOptionsError(
      field,
      `must be a ${allowZero ? "non-negative" : "positive"} integer, got ${value}`,
    );
  }
}

/** Checks everything that does not need the swim config. Throws {@link ClusterOptionsError}. */
export function validateOptions(options: ClusterOptions<PacketKeyring>): void {
  if (typeof options !== "object" || options === null) {
    throw new ClusterOptionsError("options", "must be an object");
  }
  const { name } = options;
  if (typeof name !== "string" || name.length === 0) {
    throw new ClusterOptionsError("name", "must be a non-empty string");
  }
  if (new TextEncoder().encode(name).length > 128) {
    throw new ClusterOptionsError("name", "must be at most 128 bytes");
  }
  if ([...name].some((ch) => ch.trim() === "" || ch.charCodeAt(0) < 0x20)) {
    throw new ClusterOptionsError("name", "may not contain whitespace or control characters");
  }
  if (!Array.isArray(options.transports) || options.transports.length === 0) {
    throw new ClusterOptionsError("transports", "must list at least one bound transport");
  }
  const schemes = new Set<string>();
  for (const t of options.transports) {
    if (schemes.has(t.scheme)) {
      throw new ClusterOptionsError("transports", `has two transports with scheme ${t.scheme}`);
    }
    schemes.add(t.scheme);
  }
  if (options.preset !== undefined && !["lan", "wan", "local"].includes(options.preset)) {
    throw new ClusterOptionsError(
      "preset",
      `must be lan, wan or local, got ${String(options.preset)}`,
    );
  }
  if (
    options.label !== undefined &&
    (typeof options.label !== "string" || options.label.length > 128)
  ) {
    throw new ClusterOptionsError("label", "must be a string of at most 128 characters");
  }
  if (
    options.generation !== undefined &&
    (!Number.isSafeInteger(options.generation) || options.generation < 0)
  ) {
    throw new ClusterOptionsError("generation", "must be a non-negative safe integer");
  }
  if (
    options.encryption !== undefined &&
    !["open-only", "accept-plaintext", "required"].includes(options.encryption)
  ) {
    throw new ClusterOptionsError(
      "encryption",
      `must be open-only, accept-plaintext or required, got ${String(options.encryption)}`,
    );
  }
  if (options.encryption !== undefined && options.keyring === undefined) {
    throw new ClusterOptionsError("encryption", "needs a keyring");
  }
  positiveInt("antiEntropyIntervalMs", options.antiEntropyIntervalMs, true);
  positiveInt("streamTimeoutMs", options.streamTimeoutMs);
  positiveInt("leaveTimeoutMs", options.leaveTimeoutMs, true);
  positiveInt("reconnectIntervalMs", options.reconnectIntervalMs, true);
  positiveInt("reconnectTimeoutMs", options.reconnectTimeoutMs);
  positiveInt("tombstoneGraceMs", options.tombstoneGraceMs, true);
  positiveInt("deadOwnerGraceMs", options.deadOwnerGraceMs, true);
  positiveInt("sharedGraceMs", options.sharedGraceMs, true);
  positiveInt("maxClockDriftMs", options.maxClockDriftMs, true);
  positiveInt("maxKeyBytes", options.maxKeyBytes);
  positiveInt("maxValueBytes", options.maxValueBytes);
  positiveInt("eventBufferLimit", options.eventBufferLimit);
  positiveInt("isolationWindowMs", options.isolationWindowMs);
  if (options.tags !== undefined) {
    for (const [k, v] of Object.entries(options.tags)) {
      if (typeof v !== "string") throw new ClusterOptionsError(`tags.${k}`, "must be a string");
    }
  }
}

/** The schemes a transport sends to (WebSocket speaks ws, wss and dial-only ws-client). */
export function schemesOf(t: Transport): readonly string[] {
  return (t as { readonly schemes?: readonly string[] }).schemes ?? [t.scheme];
}

/** The node core's options from validated cluster options and what the runtime decides. */
export function coreOptions(
  options: ClusterOptions<PacketKeyring>,
  config: SwimConfig,
  runtime: Pick<
    NodeCoreOptions,
    | "now"
    | "rng"
    | "sealOverhead"
    | "hashSeed"
    | "generation"
    | "compression"
    | "wallClockOffsetMs"
    | "skipIdleRounds"
  >,
): NodeCoreOptions {
  const optional = {
    antiEntropyIntervalMs: options.antiEntropyIntervalMs,
    leaveTimeoutMs: options.leaveTimeoutMs,
    reconnectIntervalMs: options.reconnectIntervalMs,
    reconnectTimeoutMs: options.reconnectTimeoutMs,
    tombstoneGraceMs: options.tombstoneGraceMs,
    deadOwnerGraceMs: options.deadOwnerGraceMs,
    sharedGraceMs: options.sharedGraceMs,
    maxClockDriftMs: options.maxClockDriftMs,
    stats: options.stats,
    maxKeyBytes: options.maxKeyBytes,
    maxValueBytes: options.maxValueBytes,
    isolationWindowMs: options.isolationWindowMs,
    queries: options.queries,
    coordinates: options.coordinates,
  };
  const set = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return {
    ...set,
    ...runtime,
    name: options.name,
    addresses: options.transports.map((t) => t.address),
    links: options.transports.map((t) => ({
      schemes: schemesOf(t),
      mtu: t.mtu,
      maxFrameBytes: t.maxFrameBytes,
    })),
    config,
    meta: options.meta ?? (options.tags ? encodeTags(options.tags) : new Uint8Array(0)),
    label: options.label ?? "",
    streamTimeoutMs: options.streamTimeoutMs ?? (options.preset === "local" ? 5_000 : 10_000),
  };
}
