/**
 * `@grapevine/cluster`: the Grapevine runtime. Membership, SWIM + Lifeguard failure detection and
 * eventually-consistent per-member state over pluggable transports.
 */

export { Cluster } from "./cluster.js";
export * from "./common.js";
export { Keyring, parseKeyringFile } from "./keyring.js";
export {
  MEMBERLIST_META_MAX_BYTES,
  MEMBERLIST_PACKAGE,
  type MemberlistWireSecurity,
  type WireTransport,
} from "./memberlist/wire.js";
