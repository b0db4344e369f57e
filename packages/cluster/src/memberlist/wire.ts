import { Keyring } from "../keyring.js";
import {
  type ClusterOptions,
  ClusterOptionsError,
  type MemberlistClusterOptions,
} from "../options.js";
import { type PacketKeyring, Sealer } from "../sealer.js";
import { grapevineWire, type WireSetup } from "../wire-setup.js";
import { MemberlistTransport } from "./memberlist-transport.js";

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
  if (!(transport instanceof MemberlistTransport) || others.length > 0) {
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
