/**
 * Claims about ourselves (SWIM §4.2): only we speak for our own liveness, so a claim we did not
 * make — a suspicion, a death, an `alive` with other addresses or metadata, an echo of a previous
 * life — is outbid with a higher incarnation. After we leave, nothing is refuted.
 */
import type { Alive, Dead, PushPullMember, Suspect } from "@grapevine/codec";
import { sameAddresses, sameMeta } from "./members.js";
import type { AliveClaim, Membership } from "./membership.js";

/** An `alive` about ourselves, from a message or a push-pull entry. */
export function aliveAboutSelf(m: Membership, alive: AliveClaim): void {
  if (m.leaving) return;
  const table = m.table;
  const generation = table.generation(m.self);
  const incarnation = table.incarnation(m.self);
  if (alive.generation > generation) {
    m.count.nameConflicts += 1;
    return;
  }
  if (alive.generation < generation) {
    // An echo of our previous life: outbid it so its stale suspicions cannot touch us.
    if (alive.incarnation >= incarnation) refute(m, alive.incarnation, false);
    return;
  }
  if (
    alive.incarnation > incarnation ||
    (alive.incarnation === incarnation &&
      (!sameAddresses(alive.addresses, table.addresses(m.self)) ||
        !sameMeta(alive.meta, table.meta(m.self))))
  ) {
    refute(m, alive.incarnation, false);
  }
}

/** A push-pull entry about ourselves. */
export function remoteAboutSelf(m: Membership, remote: PushPullMember): void {
  if (m.leaving) return;
  const generation = m.table.generation(m.self);
  if (remote.generation > generation) {
    m.count.nameConflicts += 1;
    return;
  }
  if (remote.status === "alive") {
    aliveAboutSelf(m, remote);
  } else if (remote.incarnation >= m.table.incarnation(m.self)) {
    refute(m, remote.incarnation, remote.generation === generation);
  }
}

/**
 * SWIM §4.2: outbid a claim about us by raising our incarnation above it and broadcasting
 * `alive`. Lifeguard §3.1: having to refute suspicion of oneself is a sign of being slow.
 */
export function refute(m: Membership, claimed: bigint, penalise: boolean): void {
  const held = m.table.incarnation(m.self);
  m.table.setIncarnation(m.self, (claimed > held ? claimed : held) + 1n);
  if (penalise) {
    m.count.refutations += 1;
    m.host.awareness.applyDelta(1);
  }
  m.broadcast(m.name, m.selfAlive());
}

/**
 * A suspicion or death notice about us at an older incarnation than ours: its sender missed our
 * refutation and would go on suspecting us until its suspicion timer declared us dead. There is
 * nothing to outbid (SWIM §4.2); the answer is our current `alive`, to send back to where the
 * claim came from so the sender's view catches up (with Lifeguard's buddy system, §3.3, at its
 * next probe of us). Returns it, counted, or `undefined` for any other claim.
 */
export function answerToStaleClaim(m: Membership, claim: Suspect | Dead): Alive | undefined {
  if (claim.name !== m.name || m.leaving) return undefined;
  if (claim.incarnation >= m.table.incarnation(m.self)) return undefined;
  m.count.staleClaimsAnswered += 1;
  return m.selfAlive();
}
