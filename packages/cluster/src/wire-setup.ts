import { NodeCore } from "@grapevine/node";
import type { SwimConfig, SwimConfigOverrides, SwimPresetName } from "@grapevine/swim";
import type { Clock } from "@grapevine/transport";
import { type ClusterOptions, ClusterOptionsError, coreOptions } from "./options.js";
import { type ClusterPlatform, secretSeed } from "./platform.js";
import { KEY_QUERIES } from "./queries.js";
import { cryptoRng } from "./rng.js";
import { type EncryptionMode, type PacketKeyring, Sealer } from "./sealer.js";

/** The wire protocols a cluster speaks: its own (default) or HashiCorp memberlist's. */
export type WireProtocol = "grapevine" | "memberlist";

/** The wires, for validation and help texts. */
export const WIRE_PROTOCOLS: readonly WireProtocol[] = Object.freeze(["grapevine", "memberlist"]);

/** How the cluster shell is set up for its wire. */
export interface WireSetup {
  readonly sealer: Sealer;
  /** Fixed generation (memberlist carries none), if the wire needs one. */
  readonly generation?: number;
  readonly compression: boolean;
  /** Options of the node core that the wire sets (label, limits, first incarnation). */
  readonly core: {
    readonly label: string;
    readonly maxMetaBytes?: number;
    readonly initialIncarnation?: bigint;
  };
}

/**
 * Sets up Grapevine's own wire (the shell seals with the cluster's keyring and label). Throws
 * {@link ClusterOptionsError} naming `wire` for any other wire: a platform that offers more (Node:
 * memberlist's) handles those before calling this.
 */
export function grapevineWire(options: ClusterOptions<PacketKeyring>): WireSetup {
  const wire = options.wire ?? "grapevine";
  if (wire !== "grapevine") {
    const why = WIRE_PROTOCOLS.includes(wire)
      ? "is not available on this platform"
      : "must be grapevine or memberlist";
    throw new ClusterOptionsError("wire", `${why}, got ${String(wire)}`);
  }
  const label = options.label ?? "";
  const mode: EncryptionMode = options.keyring ? (options.encryption ?? "required") : "off";
  return {
    sealer: new Sealer(options.keyring, mode, label),
    compression: options.compression !== false,
    core: { label },
  };
}

/**
 * The failure-detector overrides for a wire: on memberlist's, each preset is memberlist's own
 * config of that name (`lan` and `wan` already are; `local` retransmits twice, as
 * `DefaultLocalConfig`'s `RetransmitMult` 2), so a mixed cluster's arithmetic agrees. The
 * caller's own overrides win.
 */
export function wireSwimOverrides(options: {
  readonly wire?: WireProtocol | undefined;
  readonly preset?: SwimPresetName | undefined;
  readonly swim?: SwimConfigOverrides | undefined;
}): SwimConfigOverrides {
  const memberlistLocal = options.wire === "memberlist" && options.preset === "local";
  return { ...(memberlistLocal ? { retransmitMult: 2 } : {}), ...options.swim };
}

/** The node core of a member on `platform`, set up for its wire (see {@link WireSetup}). */
export function createCore(
  options: ClusterOptions<PacketKeyring>,
  config: SwimConfig,
  platform: ClusterPlatform,
  wire: WireSetup,
  clock: Clock,
): NodeCore {
  // Key material travels only sealed: a member that may send plaintext does not relay it.
  const withholdRelay = wire.sealer.mode === "required" ? [] : Object.values(KEY_QUERIES);
  const queries = { ...options.queries, withholdRelay };
  const core = coreOptions({ ...options, queries }, config, {
    now: clock.now(),
    rng: options.rng ?? cryptoRng(),
    sealOverhead: wire.sealer.overhead,
    // Secret, so peers cannot pick colliding names; it changes no behaviour (runs stay seeded).
    hashSeed: secretSeed(),
    generation: wire.generation ?? options.generation ?? Date.now(),
    ...(wire.compression && platform.compression !== undefined
      ? { compression: platform.compression }
      : {}),
    // Shared-key stamps are compared across processes: wall-clock ms, unless clocks are shared.
    wallClockOffsetMs: options.clock ? 0 : Date.now() - clock.now(),
    // An idle member wakes for probes and input only, not for empty gossip rounds.
    skipIdleRounds: true,
  });
  return new NodeCore({ ...core, ...wire.core });
}
