import type { Prune } from "@grapevine/codec";
import type { Swim } from "@grapevine/swim";
import type { NodeCounters } from "./counters.js";
import type { Dissemination } from "./dissemination.js";

/** Why a force-leave was refused. */
export type ForceLeaveErrorCode = "unknown-member" | "member-alive" | "self";

/**
 * A force-leave that was refused: the member is unknown, alive (only a failed member may be
 * forced out: an alive one should leave by itself), or ourselves. Nothing was changed.
 */
export class ForceLeaveError extends Error {
  override readonly name = "ForceLeaveError";

  constructor(
    readonly code: ForceLeaveErrorCode,
    readonly member: string,
  ) {
    super(
      code === "unknown-member"
        ? `force-leave: no member ${JSON.stringify(member)}`
        : code === "self"
          ? "force-leave: a member cannot force itself out (leave instead)"
          : `force-leave: ${JSON.stringify(member)} is alive; only a failed (suspect or dead) member can be forced to leave`,
    );
  }
}

/** What {@link ForceLeave} needs of the core it serves. */
export interface ForceLeaveHost {
  readonly name: string;
  readonly swim: Swim;
  readonly dissemination: Dissemination;
  readonly counters: NodeCounters;
}

/**
 * Serf's force-leave: an operator moves a failed member to `left` everywhere, by spreading the
 * graceful leave the member could not send itself (a `dead` about it from it, at its current
 * incarnation, which every member takes as `left`). With `prune`, a `prune` message follows and
 * every member forgets it at once rather than after the gossip-to-the-dead period. A member that
 * was in fact alive hears the claim and refutes it with a higher incarnation, as with any leave.
 */
export class ForceLeave {
  constructor(private readonly host: ForceLeaveHost) {}

  /** Forces `name` out. Throws a {@link ForceLeaveError} (and changes nothing) when refused. */
  start(name: string, prune: boolean, now: number): void {
    const { swim } = this.host;
    if (name === this.host.name) throw new ForceLeaveError("self", name);
    const member = swim.member(name);
    if (member === undefined) throw new ForceLeaveError("unknown-member", name);
    if (member.status === "alive") throw new ForceLeaveError("member-alive", name);
    const { incarnation } = member;
    this.host.counters.forceLeaves += 1;
    if (member.status !== "left")
      swim.handle("", { type: "dead", name, incarnation, from: name }, now);
    if (prune) this.onPrune({ type: "prune", name, incarnation, from: this.host.name }, now);
  }

  /** A prune received (or our own): leave, forget, and pass it on when it changed anything. */
  onPrune(prune: Prune, now: number): void {
    const { swim } = this.host;
    const { name, incarnation } = prune;
    // About ourselves, this is refuted like any leave claimed on our behalf.
    swim.handle("", { type: "dead", name, incarnation, from: name }, now);
    if (name === this.host.name || !swim.prune(name, incarnation)) return;
    this.host.counters.membersPruned += 1;
    this.host.dissemination.queue.enqueue(`p${name.length}:${name}`, prune);
  }
}
