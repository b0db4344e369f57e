import type { SwimConfigOverrides, SwimPresetName } from "@grapevine/swim";
import type { Keyring } from "../keyring.js";
import {
  type ClusterOptions,
  ClusterOptionsError,
  type MemberlistClusterOptions,
} from "../options.js";
import { type EncryptionMode, Sealer } from "../sealer.js";
import { MemberlistTransport } from "./memberlist-transport.js";

/** The wire protocols a cluster speaks: its own (default) or HashiCorp memberlist's. */
export type WireProtocol = "grapevine" | "memberlist";

/** The wires, for validation and help texts. */
export const WIRE_PROTOCOLS: readonly WireProtocol[] = Object.freeze(["grapevine", "memberlist"]);

/** memberlist's `MetaMaxSize`: the most node meta (our encoded tags) it carries, bytes. */
export const MEMBERLIST_META_MAX_BYTES = 512;

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

/** The options this module reads. */
interface WireOptions {
  readonly wire?: WireProtocol | undefined;
  readonly transports: readonly unknown[];
  readonly keyring?: Keyring | undefined;
  readonly encryption?: EncryptionMode | undefined;
  readonly label?: string | undefined;
  readonly compression?: boolean | undefined;
}

/** A keyring's raw keys, primary first, re-read only when the keyring changes. */
function keySource(keyring: Keyring | undefined): () => readonly Uint8Array[] {
  if (keyring === undefined) return () => [];
  let seen = "";
  let keys: Uint8Array[] = [];
  return () => {
    const id = keyring.toString();
    if (id !== seen) {
      const file = JSON.parse(keyring.toKeyringFile()) as { keys: string[] };
      keys = file.keys.map((k) => new Uint8Array(Buffer.from(k, "base64")));
      seen = id;
    }
    return keys;
  };
}

/**
 * Checks the wire options and sets up sealing for the wire: Grapevine's wire seals in the shell;
 * memberlist's transport seals and labels by itself (memberlist's own layout), with this
 * cluster's keyring and label. Throws {@link ClusterOptionsError} naming `wire` or `transports`.
 */
export function setUpWire(options: WireOptions): WireSetup {
  const wire = options.wire ?? "grapevine";
  if (!WIRE_PROTOCOLS.includes(wire)) {
    throw new ClusterOptionsError("wire", `must be grapevine or memberlist, got ${String(wire)}`);
  }
  const label = options.label ?? "";
  if (wire === "grapevine") {
    const mode: EncryptionMode = options.keyring ? (options.encryption ?? "required") : "off";
    return {
      sealer: new Sealer(options.keyring, mode, label),
      compression: options.compression !== false,
      core: { label },
    };
  }
  const [transport, ...others] = options.transports;
  if (!(transport instanceof MemberlistTransport) || others.length > 0) {
    throw new ClusterOptionsError(
      "transports",
      "with wire memberlist must be one MemberlistTransport (or give `bind` to Cluster.start)",
    );
  }
  const mode =
    options.encryption === undefined || options.encryption === "off"
      ? "required"
      : options.encryption;
  transport.configure({ keys: keySource(options.keyring), label, mode });
  return {
    sealer: new Sealer(undefined, "off", ""),
    generation: 0,
    compression: false,
    // memberlist's label is the transport's header, not the core's; a member it does not know is
    // admitted only above incarnation 0 (aliveNode: a.Incarnation <= 0 is ignored).
    core: { label: "", maxMetaBytes: MEMBERLIST_META_MAX_BYTES, initialIncarnation: 1n },
  };
}

/**
 * Runs `start` with options that name their transports: with memberlist's wire and a `bind`
 * address, a {@link MemberlistTransport} is bound there first (and closed again if `start` fails).
 */
export async function startOnWire<T>(
  options: ClusterOptions | MemberlistClusterOptions,
  start: (options: ClusterOptions) => Promise<T>,
): Promise<T> {
  if (!("bind" in options)) return start(options);
  if (options.wire !== "memberlist") {
    throw new ClusterOptionsError("bind", "is for wire memberlist; other wires take transports");
  }
  if (typeof options.bind !== "string") {
    throw new ClusterOptionsError("bind", "must be a udp://IP:port address");
  }
  const bound = await MemberlistTransport.bind(options.bind);
  try {
    const { bind: _bind, ...rest } = options;
    return await start({ ...rest, transports: [bound] });
  } catch (err) {
    await bound.close();
    throw err;
  }
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
