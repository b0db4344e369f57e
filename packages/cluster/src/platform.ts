import type { FrameCompression } from "@grapevine/node";
import type { ClusterOptions } from "./options.js";
import type { PacketKeyring } from "./sealer.js";
import type { WireSetup } from "./wire-setup.js";

/** What differs between platforms, chosen by the package's entry point (Node or browser). */
export interface ClusterPlatform {
  /** Stream-frame compression offered to peers; none where the platform has no synchronous one. */
  readonly compression?: FrameCompression;
  /** Sets up the wire the options name; Grapevine's own wire only, when absent. */
  readonly wire?: (options: ClusterOptions<PacketKeyring>) => WireSetup;
}

/** A secret 32-bit seed from the platform's entropy (Web Crypto, in Node and browsers). */
export function secretSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
}
