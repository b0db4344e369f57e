/**
 * `@grapevine/cluster`: the Grapevine runtime. Membership, SWIM + Lifeguard failure detection and
 * eventually-consistent per-member state over pluggable transports.
 */

export { Cluster } from "./cluster.js";
export * from "./common.js";
export { Keyring, parseKeyringFile } from "./keyring.js";
export {
  MEMBERLIST_UDP_BYTES,
  MemberlistTransport,
  type MemberlistWireCounters,
  type MemberlistWireSecurity,
} from "./memberlist/memberlist-transport.js";
export { MEMBERLIST_EVENT_NAME, MEMBERLIST_VSN } from "./memberlist/translate.js";
export { MEMBERLIST_META_MAX_BYTES } from "./memberlist/wire.js";
