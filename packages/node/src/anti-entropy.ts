import type { StateAck, StateSyn, StateSynAck } from "@grapevine/codec";
import type { ClusterState } from "@grapevine/state";
import type { Swim } from "@grapevine/swim";
import type { Outbox } from "./outbox.js";
import { sizeOf } from "./packet-builder.js";

/**
 * Scuttlebutt anti-entropy (van Renesse et al. 2008, §3): a three-way digest exchange that repairs
 * whatever piggy-backed dissemination missed. Each message is cut to the packet budget it travels
 * in; deltas are version-ordered prefixes, so a truncated one is still valid.
 *
 * 1. `syn`: our digest, to one random member each anti-entropy period;
 * 2. `syn-ack`: the peer's digest (half the packet) and what we lack of what it holds;
 * 3. `ack`: what the peer lacks of what we hold.
 */
export function synFor(state: ClusterState, budget: number): StateSyn {
  const room = budget - sizeOf({ type: "state-syn", digest: [], complete: false });
  const digest = state.digest(Math.max(0, room));
  return { type: "state-syn", digest: digest.entries, complete: digest.complete };
}

/** Answers a peer's `syn` with our digest and the entries it lacks, within `budget` bytes. */
export function answerSyn(state: ClusterState, syn: StateSyn, budget: number): StateSynAck {
  const total = budget - sizeOf({ type: "state-syn-ack", digest: [], complete: false, delta: [] });
  // Half the packet for our digest (so the peer can answer with what we lack), the rest for what
  // the peer lacks.
  const own = state.digest(Math.max(0, Math.floor(total / 2)));
  const used = sizeOf({
    type: "state-syn-ack",
    digest: own.entries,
    complete: own.complete,
    delta: [],
  });
  const delta = state.deltaFor(syn.digest, syn.complete, Math.max(0, total - used));
  return { type: "state-syn-ack", digest: own.entries, complete: own.complete, delta };
}

/** What the peer lacks of what we hold, after its `syn-ack`; `undefined` when nothing. */
export function answerSynAck(
  state: ClusterState,
  synAck: StateSynAck,
  budget: number,
): StateAck | undefined {
  const room = budget - sizeOf({ type: "state-ack", delta: [] });
  const delta = state.deltaFor(synAck.digest, synAck.complete, Math.max(0, room));
  return delta.length > 0 ? { type: "state-ack", delta } : undefined;
}

/**
 * One anti-entropy period: our heartbeat rises (it rides on every delta we send, Scuttlebutt §3)
 * and our digest goes to one random member.
 */
export function antiEntropyRound(
  state: ClusterState,
  swim: Swim,
  outbox: Outbox,
  now: number,
): void {
  state.heartbeat();
  const [to] = swim.gossipTargets(1, now);
  const budget = to === undefined ? undefined : outbox.budgetFor(to);
  if (to === undefined || budget === undefined) return;
  outbox.counters.antiEntropyRounds += 1;
  outbox.send(to, [synFor(state, budget)], false, now);
}
