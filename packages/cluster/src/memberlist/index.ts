/**
 * `@grapevine/cluster/memberlist`: HashiCorp memberlist's wire for a cluster member. Needs the
 * optional peer dependency `@grapevine/memberlist-compat` (memberlist's codec). `Cluster.start({
 * wire: "memberlist", bind })` loads it by itself; import from here to build the transport
 * yourself or to read its counters.
 */

export {
  MEMBERLIST_UDP_BYTES,
  MemberlistTransport,
  type MemberlistWireCounters,
} from "./memberlist-transport.js";
export { MEMBERLIST_EVENT_NAME, MEMBERLIST_VSN } from "./translate.js";
export {
  MEMBERLIST_META_MAX_BYTES,
  MEMBERLIST_PACKAGE,
  type MemberlistWireSecurity,
  type WireTransport,
} from "./wire.js";
