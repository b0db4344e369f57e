/**
 * `@grapevine/interop`: helpers of the cross-transport interop tests. Start cluster members on
 * UDP, WebSocket or the in-process memory network (or on two at once, as bridges), wait on
 * conditions without sleeping, and take comparable snapshots of membership and state.
 */
export {
  INTEROP_CLUSTER_OPTIONS,
  type InteropNode,
  joinAndAnnounce,
  type MemberEventRecord,
  type StartNodeOptions,
  shutdownAll,
  startNode,
} from "./interop-node.js";
export {
  memoryKit,
  TRANSPORT_KITS,
  type TransportKind,
  type TransportKit,
  udpKit,
  wsKit,
} from "./transport-kits.js";
export {
  allHold,
  allSee,
  describeMembership,
  eventsAbout,
  type MembershipView,
  membershipOf,
  type StateView,
  type Status,
  sees,
  stateOf,
} from "./views.js";
export { runUntil } from "./virtual-time.js";
export { holdsUntil, POLL_INTERVAL_MS, WaitTimeoutError, waitFor } from "./wait-for.js";
