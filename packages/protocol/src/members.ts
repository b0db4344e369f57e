/**
 * The words for a member's state and its changes, shared by the detector (`@grapevine/swim`), the
 * wire format (`@grapevine/codec`) and the runtime's events (`@grapevine/cluster`).
 */

/** Every {@link MemberStatus}, in a fixed order. */
export const MEMBER_STATUSES = ["alive", "suspect", "dead", "left"] as const;

/**
 * Membership status as seen by one node (SWIM §4.2): `alive`; `suspect` (a probe failed, the
 * member may refute); `dead` (declared failed); `left` (a graceful leave: the member declared
 * itself dead).
 */
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** Alive or suspect: still a member, still probed. */
export function isLive(status: MemberStatus): boolean {
  return status === "alive" || status === "suspect";
}

/** Every {@link MemberChangeType}, in a fixed order. */
export const MEMBER_CHANGE_TYPES = ["join", "update", "suspect", "alive", "dead", "left"] as const;

/**
 * A change in the membership as one node's detector sees it:
 * - `join`: a member appeared, or came back after being dead or left;
 * - `update`: an alive member changed its addresses, metadata or generation;
 * - `suspect`: an alive member is suspected (SWIM §4.2);
 * - `alive`: a suspect member refuted the suspicion;
 * - `dead`: a member was declared failed;
 * - `left`: a member left gracefully.
 */
export type MemberChangeType = (typeof MEMBER_CHANGE_TYPES)[number];

/** Every {@link MemberEventType}, in a fixed order (that of {@link MEMBER_CHANGE_TYPES}). */
export const MEMBER_EVENT_TYPES = [
  "member-joined",
  "member-updated",
  "member-suspect",
  "member-alive",
  "member-dead",
  "member-left",
] as const;

/**
 * The name of a membership event as the runtime delivers it to applications (`on("member-joined",
 * ...)`): one per {@link MemberChangeType}, see {@link memberEventType}.
 */
export type MemberEventType = (typeof MEMBER_EVENT_TYPES)[number];

const EVENT_OF_CHANGE: Readonly<Record<MemberChangeType, MemberEventType>> = Object.freeze({
  join: "member-joined",
  update: "member-updated",
  suspect: "member-suspect",
  alive: "member-alive",
  dead: "member-dead",
  left: "member-left",
});

/** The application event name of a detector's change (`join` → `member-joined`, ...). */
export function memberEventType(change: MemberChangeType): MemberEventType {
  return EVENT_OF_CHANGE[change];
}
