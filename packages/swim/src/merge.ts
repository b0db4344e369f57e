import type { MemberStatus } from "@grapevine/protocol";
import { sameAddresses } from "./members.js";

/** What we hold about a member, as far as the merge rules care. */
export interface HeldState {
  readonly status: MemberStatus;
  readonly incarnation: bigint;
  readonly generation: number;
  readonly addresses: readonly string[];
}

/**
 * How an `alive` claim about another member relates to what we hold (SWIM §4.2 ordering, with
 * generations for restarts):
 * - `new`: we do not know the member;
 * - `restart`: a higher generation: a new life of the name, accepted whatever its incarnation
 *   and whatever we believed of the old one (its process has restarted, so the old one is gone);
 * - `newer`: same generation, higher incarnation;
 * - `reclaim`: same generation, not newer, but the member is dead or left to us and now
 *   advertises different addresses: the name was reclaimed by a new process that did not raise
 *   its generation; accepted without waiting (no lock-out);
 * - `stale`: an older generation, or nothing newer.
 */
export type AliveVerdict = "new" | "restart" | "newer" | "reclaim" | "stale";

/** Classify an `alive` claim; see {@link AliveVerdict}. */
export function aliveVerdict(
  held: HeldState | undefined,
  claim: {
    readonly incarnation: bigint;
    readonly generation: number;
    readonly addresses: readonly string[];
  },
): AliveVerdict {
  if (held === undefined) return "new";
  if (claim.generation > held.generation) return "restart";
  if (claim.generation < held.generation) return "stale";
  if (claim.incarnation > held.incarnation) return "newer";
  if (
    (held.status === "dead" || held.status === "left") &&
    !sameAddresses(held.addresses, claim.addresses)
  ) {
    return "reclaim";
  }
  return "stale";
}

/**
 * How a `suspect` claim relates to what we hold (SWIM §4.2): `suspect` an alive member at the
 * same or a higher incarnation, or a suspect one at a higher incarnation than the suspected one
 * (a new suspicion of a member that refuted the old one, whose refutation we missed: it gets a
 * timeout of its own); `confirm` a suspicion at the suspected incarnation (Lifeguard §3.2 counts
 * it); `unknown` for members we do not know; `stale` for dead or left members and lower
 * incarnations.
 */
export type SuspectVerdict = "suspect" | "confirm" | "unknown" | "stale";

/** Classify a `suspect` claim; see {@link SuspectVerdict}. */
export function suspectVerdict(
  held: Pick<HeldState, "status" | "incarnation"> | undefined,
  incarnation: bigint,
): SuspectVerdict {
  if (held === undefined) return "unknown";
  if (held.status === "dead" || held.status === "left") return "stale";
  if (incarnation < held.incarnation) return "stale";
  return held.status === "suspect" && incarnation === held.incarnation ? "confirm" : "suspect";
}

/**
 * How a `dead` claim relates to what we hold: it applies to a live member at the same or a
 * higher incarnation (`dead`, or `left` when the member declared itself dead: a graceful leave);
 * a leave at the same or a higher incarnation also turns a member we had declared dead into
 * `left` (at the same incarnation it is a force-leave sent on a failed member's behalf).
 */
export type DeadVerdict = "dead" | "left" | "unknown" | "stale";

/** Classify a `dead` claim; `graceful` is `from === name`. See {@link DeadVerdict}. */
export function deadVerdict(
  held: Pick<HeldState, "status" | "incarnation"> | undefined,
  incarnation: bigint,
  graceful: boolean,
): DeadVerdict {
  if (held === undefined) return "unknown";
  if (incarnation < held.incarnation) return "stale";
  if (held.status === "left") return "stale";
  if (held.status === "dead") {
    return graceful && incarnation >= held.incarnation ? "left" : "stale";
  }
  return graceful ? "left" : "dead";
}
