import { ClusterRuntime } from "./cluster-runtime.js";
import { zlibFrameCompression } from "./compression.js";
import type { Keyring } from "./keyring.js";
import { setUpWire, startOnWire } from "./memberlist/wire.js";
import type { ClusterOptions, MemberlistClusterOptions } from "./options.js";
import type { PacketKeyring } from "./sealer.js";

export type { ClusterPlatform, EncryptionMode, PacketKeyring } from "./cluster-runtime.js";
export type { ClusterStatus, JoinOptions } from "./options.js";

/**
 * Node: push-pull frames compressed with node:zlib's raw deflate when peers accept it; the wire
 * is Grapevine's own or memberlist's.
 */
const NODE = { compression: zlibFrameCompression, wire: setUpWire } as const;

/**
 * A member of a gossip cluster (Node's entry point): the runtime shell around the sans-IO node
 * core (`@grapevine/node`). It binds the transports, opens and seals packets at the edge, feeds
 * the core what arrives with the time, carries out what the core asks (datagrams, stream
 * exchanges), keeps one timer armed at the core's next wake time, and delivers events after each
 * step, never inside one, so a handler may call back into this API.
 *
 * Nothing a peer sends can throw out of it or stop its timers: undecodable input is dropped and
 * counted in {@link Cluster.counters}.
 */
export class Cluster<K extends PacketKeyring = Keyring> extends ClusterRuntime<K> {
  /**
   * Validates the options and creates a cluster member. Throws `ClusterOptionsError` or
   * `SwimConfigError` naming the bad field. Call {@link Cluster.start} to begin.
   */
  static create<K extends PacketKeyring = Keyring>(options: ClusterOptions<K>): Cluster<K> {
    return new Cluster(options, ClusterRuntime.settings(options), NODE);
  }

  /** Creates and starts a member in one call (memberlist's wire: binds `bind` first). */
  static async start<K extends PacketKeyring = Keyring>(
    options: ClusterOptions<K> | MemberlistClusterOptions,
  ): Promise<Cluster<K>> {
    return startOnWire(options, async (resolved) => {
      const cluster = Cluster.create(resolved);
      await cluster.start();
      return cluster;
    });
  }
}
