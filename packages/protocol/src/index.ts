/**
 * `@grapevine/protocol`: the vocabulary every Grapevine package shares, with no dependencies and no
 * I/O: the seeded RNG, the clock interface, address URLs, member states and events, and errors
 * with a `code`. Sans-IO like the cores that use it: nothing here reads a clock, draws from a
 * global random source or touches the network. See README.md.
 *
 * @packageDocumentation
 */
export {
  type Address,
  formatAddress,
  isUnspecifiedHost,
  parseAddress,
  schemeOf,
} from "./address.js";
export type { Clock, TimerHandle } from "./clock.js";
export { AddressError, GrapevineError, isGrapevineError } from "./errors.js";
export {
  isLive,
  MEMBER_CHANGE_TYPES,
  MEMBER_EVENT_TYPES,
  MEMBER_STATUSES,
  type MemberChangeType,
  type MemberEventType,
  type MemberStatus,
  memberEventType,
} from "./members.js";
export { type Rng, randomIndex, seededRng } from "./rng.js";
