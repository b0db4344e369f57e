import { ClusterRuntime } from "./cluster-runtime.js";
import type { ClusterOptions } from "./options.js";
import type { PacketKeyring } from "./sealer.js";
import type { WebCryptoKeyring } from "./web-keyring.js";

export type { ClusterPlatform, EncryptionMode, PacketKeyring } from "./cluster-runtime.js";
export type { ClusterStatus, JoinOptions } from "./options.js";

/**
 * Browsers have no synchronous deflate (CompressionStream is asynchronous, the core's step is
 * not): a browser member offers no compression, so its peers send it plain frames, as they do to
 * any member with `compression: false`.
 */
const BROWSER = {} as const;

/**
 * A member of a gossip cluster (the browser entry point): the same runtime as in Node, with no
 * `node:` imports. Encrypt with a {@link WebCryptoKeyring}. See the package README's browser
 * section for how a member that cannot accept connections is probed and judged.
 */
export class Cluster<K extends PacketKeyring = WebCryptoKeyring> extends ClusterRuntime<K> {
  /**
   * Validates the options and creates a cluster member. Throws `ClusterOptionsError` or
   * `SwimConfigError` naming the bad field. Call {@link Cluster.start} to begin.
   */
  static create<K extends PacketKeyring = WebCryptoKeyring>(
    options: ClusterOptions<K>,
  ): Cluster<K> {
    return new Cluster(options, ClusterRuntime.settings(options), BROWSER);
  }

  /** Creates and starts a member in one call. */
  static async start<K extends PacketKeyring = WebCryptoKeyring>(
    options: ClusterOptions<K>,
  ): Promise<Cluster<K>> {
    const cluster = Cluster.create(options);
    await cluster.start();
    return cluster;
  }
}
