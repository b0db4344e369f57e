import { Keyring } from "../keyring.js";
import {
  type ClusterOptions,
  ClusterOptionsError,
  type MemberlistClusterOptions,
} from "../options.js";
import { type PacketKeyring, Sealer } from "../sealer.js";
import { grapevineWire, type WireSetup } from "../wire-setup.js";

/** How a {@link WireTransport} seals and labels memberlist's packets. */
export interface MemberlistWireSecurity {
  /** The keys, primary first; empty: plaintext. Read for every packet (rotation applies at once). */
  readonly keys: () => readonly Uint8Array[];
  /** memberlist's label header ("" for none). */
  readonly label: string;
  /**
   * With keys: `required` (default) seals and refuses plaintext; `accept-plaintext` seals and
   * also reads plaintext (memberlist's `GossipVerifyIncoming` false); `open-only` sends plaintext
   * and reads both (`GossipVerifyOutgoing` false too), to turn encryption on in a running cluster.
   */
  readonly mode?: "required" | "accept-plaintext" | "open-only";
}

/**
 * A transport that speaks memberlist's wire (`MemberlistTransport`, from
 * `@grapevine/cluster/memberlist`): it seals and labels packets itself, set up by the cluster.
 * Known by its mark, so that this module (loaded by every Node cluster) does not load
 * memberlist's codec, an optional dependency.
 */
export interface WireTransport {
  readonly wireProtocol: "memberlist";
  configure(security: MemberlistWireSecurity): void;
}

function isWireTransport(t: unknown): t is WireTransport {
  const wire = t as Partial<WireTransport> | undefined;
  return wire?.wireProtocol === "memberlist" && typeof wire.configure === "function";
}

/** memberlist's `MetaMaxSize`: the most node meta (our encoded tags) it carries, bytes. */
export const MEMBERLIST_META_MAX_BYTES = 512;

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
export function setUpWire(options: ClusterOptions<PacketKeyring>): WireSetup {
  if (options.wire !== "memberlist") return grapevineWire(options);
  const label = options.label ?? "";
  const keyring = options.keyring;
  if (keyring !== undefined && !(keyring instanceof Keyring)) {
    throw new ClusterOptionsError("keyring", "with wire memberlist must be a Keyring");
  }
  const [transport, ...others] = options.transports;
  if (!isWireTransport(transport) || others.length > 0) {
    throw new ClusterOptionsError(
      "transports",
      "with wire memberlist must be one MemberlistTransport (or give `bind` to Cluster.start)",
    );
  }
  const mode = options.encryption ?? "required";
  transport.configure({ keys: keySource(keyring), label, mode });
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
export async function startOnWire<T, K extends PacketKeyring>(
  options: ClusterOptions<K> | MemberlistClusterOptions,
  start: (options: ClusterOptions<K>) => Promise<T>,
): Promise<T> {
  if (!("bind" in options)) return start(options);
  if (options.wire !== "memberlist") {
    throw new ClusterOptionsError("bind", "is for wire memberlist; other wires take transports");
  }
  if (typeof options.bind !== "string") {
    throw new ClusterOptionsError("bind", "must be a udp://IP:port address");
  }
  const { MemberlistTransport } = await loadMemberlistTransport();
  const bound = await MemberlistTransport.bind(options.bind);
  try {
    const { bind: _bind, ...rest } = options;
    // memberlist's wire takes a node:crypto Keyring (setUpWire checks it), whatever K says.
    return await start({
      ...rest,
      transports: [bound],
    } as ClusterOptions<PacketKeyring> as ClusterOptions<K>);
  } catch (err) {
    await bound.close();
    throw err;
  }
}

/** The package memberlist's wire needs; an optional peer dependency of `@grapevine/cluster`. */
export const MEMBERLIST_PACKAGE = "@grapevine/memberlist-compat";

/**
 * Loads the memberlist transport, which brings memberlist's codec (`@grapevine/memberlist-compat`
 * and msgpack). Throws {@link ClusterOptionsError} naming `wire` when that package is missing.
 */
async function loadMemberlistTransport(): Promise<typeof import("./memberlist-transport.js")> {
  try {
    return await import("./memberlist-transport.js");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String(err).includes(MEMBERLIST_PACKAGE)) {
      throw new ClusterOptionsError(
        "wire",
        `memberlist needs the package ${MEMBERLIST_PACKAGE} (npm install ${MEMBERLIST_PACKAGE})`,
      );
    }
    throw err;
  }
}
